using RandSac.Distributed;

namespace RandSac.Cli.Output;

/// <summary>The first line of a data-parallel run: world size, per-rank batch, threads, and which process is which rank.</summary>
static class DataParallelReport
{
    /// <summary>Prints nothing for one process. Every rank must call it (it gathers the process ids).</summary>
    public static void Start(CliContext context, DataParallel world, int batch, int? threads)
    {
        if (!world.IsDistributed) return;
        int local = world.LocalBatch(batch);
        // A launcher reports a rank that died by its process id; this line maps ids to ranks.
        long[] ids = world.Communicator.AllGather(Environment.ProcessId);
        context.Out.WriteLine($"data-parallel over {world.Size} ranks ({context.Launch!.Launcher} launch): global batch {batch}, " +
                              $"{local} images per rank, {threads ?? world.DefaultThreads} threads per rank; " +
                              $"process ids {string.Join(", ", ids.Select((id, rank) => $"{rank}:{id}"))}");
    }
}
