using RandSac.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Distributed;

/// <summary>
/// MPI's world communicator through MPI.NET, on an MPICH-ABI library (<see cref="MpiLibrary"/>).
/// Reductions run in place on tensor storage (no managed copies), large buffers in buckets so no
/// single call exceeds MPI's int count and each stays a size MPI's pipelined algorithms handle well.
/// Only the thread that joined calls MPI (MPI_THREAD_FUNNELED); the loader threads never do.
/// MPI's default error handler is fatal, so a failed call or a dead rank ends the whole job.
/// </summary>
public sealed class MpiCommunicator : ICommunicator
{
    /// <summary>Elements per reduction call by default: 4 Mi float32, 16 MiB.</summary>
    public const int DefaultBucketElements = 1 << 22;

    const int World = MPI.Unsafe.MPI_COMM_WORLD;

    /// <summary>MPI_IN_PLACE in the MPICH ABI: <c>(void*)-1</c>.</summary>
    static readonly IntPtr InPlace = new(-1);

    readonly MPI.Environment _environment;
    bool _finalized;

    MpiCommunicator(MPI.Environment environment, int rank, int size, int bucketElements)
    {
        _environment = environment;
        Rank = rank;
        Size = size;
        BucketElements = bucketElements;
    }

    /// <summary>Initialises MPI for a process started by <paramref name="launch"/>.</summary>
    public static MpiCommunicator Join(MpiLaunch launch, int bucketElements = DefaultBucketElements)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketElements);
        MpiLibrary.Load();
        string[] args = [];
        var environment = new MPI.Environment(ref args, MPI.Threading.Funneled);
        var world = MPI.Communicator.world;
        if (world.Rank != launch.Rank || world.Size != launch.Size)
        {
            var message = $"{launch.Launcher} says rank {launch.Rank} of {launch.Size}, but {MpiLibrary.Name} says rank {world.Rank} of {world.Size}: " +
                          $"this mpiexec does not belong to {MpiLibrary.Name} (set {MpiLibrary.Variable})";
            environment.Dispose();
            throw new MpiLaunchException(message);
        }
        return new MpiCommunicator(environment, world.Rank, world.Size, bucketElements);
    }

    public int Rank { get; }
    public int Size { get; }
    public int BucketElements { get; }

    public void SumInPlace(Tensor buffer)
    {
        int datatype = buffer.dtype switch
        {
            ScalarType.Float32 => MPI.Unsafe.MPI_FLOAT,
            ScalarType.Float64 => MPI.Unsafe.MPI_DOUBLE,
            ScalarType.Int64 => MPI.Unsafe.MPI_LONG_LONG,
            _ => throw new ArgumentException($"cannot reduce a {buffer.dtype} buffer over MPI"),
        };
        long count = buffer.numel();
        if (count == 0) return;
        IntPtr start = TensorMemory.BaseAddress(buffer);
        int elementSize = (int)buffer.ElementSize;
        for (long offset = 0; offset < count; offset += BucketElements)
        {
            int n = (int)Math.Min(BucketElements, count - offset);
            Check(MPI.Unsafe.MPI_Allreduce(InPlace, start + (nint)(offset * elementSize), n, datatype, MPI.Unsafe.MPI_SUM, World), "MPI_Allreduce");
        }
    }

    public unsafe void SumInPlace(Span<double> values)
    {
        if (values.IsEmpty) return;
        fixed (double* pointer = values)
            Check(MPI.Unsafe.MPI_Allreduce(InPlace, (IntPtr)pointer, values.Length, MPI.Unsafe.MPI_DOUBLE, MPI.Unsafe.MPI_SUM, World), "MPI_Allreduce");
    }

    public unsafe long[] AllGather(long value)
    {
        var all = new long[Size];
        fixed (long* pointer = all)
            Check(MPI.Unsafe.MPI_Allgather((IntPtr)(&value), 1, MPI.Unsafe.MPI_LONG_LONG, (IntPtr)pointer, 1, MPI.Unsafe.MPI_LONG_LONG, World), "MPI_Allgather");
        return all;
    }

    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        // The launcher forwards output asynchronously and tears the job down on an abort:
        // a moment's grace lets this rank's last lines (its error) reach the terminal.
        Thread.Sleep(500);
        MPI.Unsafe.MPI_Abort(World, exitCode);
        Environment.Exit(exitCode); // not reached: MPI_Abort ends the process
    }

    static void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"{call} failed with MPI error {code}");
    }

    /// <summary>Finalises MPI: every rank must get here.</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        _environment.Dispose();
    }
}
