namespace RandSac.Distributed;

/// <summary>An MPI launch this program cannot join: the wrong MPI, a missing library, an inconsistent environment.</summary>
public sealed class MpiLaunchException(string message) : Exception(message);
