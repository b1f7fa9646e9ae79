namespace RandSac.Distributed;

/// <summary>The ranks of a data-parallel run no longer hold the same weights.</summary>
public sealed class ReplicaDivergenceException(string message) : InvalidOperationException(message);
