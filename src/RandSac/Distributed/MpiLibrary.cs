using System.Runtime.InteropServices;

namespace RandSac.Distributed;

/// <summary>
/// Points MPI.NET's P/Invokes, which name Microsoft MPI (<c>msmpi</c>), at an MPICH-ABI library:
/// MPICH's <c>libmpich.so.12</c> by default, or the file or name in <c>RANDSAC_MPI_LIBRARY</c>
/// (Intel MPI's <c>libmpi.so.12</c>, Cray MPICH, MVAPICH). MS-MPI descends from MPICH, so the
/// integer handles MPI.NET hard-codes are MPICH's.
/// </summary>
public static class MpiLibrary
{
    public const string Variable = "RANDSAC_MPI_LIBRARY";
    public const string Default = "libmpich.so.12";

    static readonly object Gate = new();
    static IntPtr _handle;

    /// <summary>The library that will be or was loaded.</summary>
    public static string Name => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } name ? name : Default;

    /// <summary>Loads the library and routes MPI.NET to it; idempotent. Throws <see cref="MpiLaunchException"/> when it cannot be loaded.</summary>
    public static void Load()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return;
            string name = Name;
            if (!NativeLibrary.TryLoad(name, out var handle))
                throw new MpiLaunchException(
                    $"launched under MPI, but the MPI library '{name}' cannot be loaded: install MPICH (apt-get install mpich libmpich-dev) " +
                    $"or set {Variable} to your MPICH-ABI library");
            _handle = handle;
            NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly,
                (library, _, _) => library.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) ? _handle : IntPtr.Zero);
        }
    }
}
