using RandSac.Data;
using RandSac.Training;

namespace RandSac.Distributed;

/// <summary>
/// What a training loop needs to run data-parallel over a <see cref="ICommunicator"/>, so the
/// loop itself reads the same for one process and for many:
/// <list type="bullet">
/// <item>the global batch is split into equal consecutive slices, one per rank (<see cref="Slice"/>);</item>
/// <item>each rank's loss is weighted by its share of the loss terms, so the averaged gradient is
/// the gradient of the whole batch's loss (<see cref="LossShare"/>);</item>
/// <item>gradients are averaged before the update (<see cref="Reducer"/>);</item>
/// <item>the ranks agree on each step's loss and on stopping (<see cref="EndStep"/>);</item>
/// <item>every <see cref="CheckEvery"/> steps the replicas' weights are compared (<see cref="VerifyReplicas"/>);</item>
/// <item>rank 0 alone writes files and reports (<see cref="IsWriter"/>).</item>
/// </list>
/// In a world of one every collective is the identity and the arithmetic is the single-process loop's.
/// </summary>
public sealed class DataParallel
{
    public const int DefaultCheckEvery = 100;

    public DataParallel(ICommunicator communicator, int checkEvery = DefaultCheckEvery)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(checkEvery);
        Communicator = communicator;
        CheckEvery = checkEvery;
        Averager = communicator.Size > 1 ? new GradientAverager(communicator) : null;
    }

    /// <summary>One process.</summary>
    public static DataParallel Single { get; } = new(SingleProcess.Instance);

    public ICommunicator Communicator { get; }

    public int Rank => Communicator.Rank;
    public int Size => Communicator.Size;
    public bool IsDistributed => Size > 1;

    /// <summary>Rank 0: the one process that writes checkpoints, metrics, pictures and logs, and reports progress.</summary>
    public bool IsWriter => Rank == 0;

    /// <summary>Intra-op threads when the run does not set them: this node's cores shared among its ranks (null: all cores).</summary>
    public int? DefaultThreads { get; init; }

    /// <summary>Optimiser steps between replica checks (one is also made at the end).</summary>
    public int CheckEvery { get; }

    /// <summary>The gradient averaging of a distributed run; null in a world of one.</summary>
    public GradientAverager? Averager { get; }

    public IGradientReducer? Reducer => Averager;

    /// <summary>Images per rank; throws naming both sizes when the global batch does not split evenly.</summary>
    public int LocalBatch(int globalBatch)
    {
        if (globalBatch % Size != 0)
            throw new ArgumentException($"--batch {globalBatch} does not split evenly over {Size} ranks; use a multiple of {Size}");
        return globalBatch / Size;
    }

    /// <summary>This rank's slice of a global batch.</summary>
    public BatchRequest Slice(BatchRequest request) => IsDistributed ? request.Slice(Rank, Size) : request;

    /// <summary>
    /// The factor on this rank's mean loss that makes the average of the ranks' gradients the
    /// gradient of the whole batch's mean: Size × local terms / all terms (exactly 1 when every
    /// slice has as many loss terms, and in a world of one).
    /// </summary>
    public double LossShare(Func<long> localTerms)
    {
        if (!IsDistributed) return 1.0;
        long local = localTerms();
        Span<double> terms = [local];
        Communicator.SumInPlace(terms);
        return Size * (double)local / terms[0];
    }

    /// <summary>
    /// Sums the ranks' loss contributions (share × mean loss / Size, summed over micro-batches) and
    /// tells whether any rank was asked to stop, so all ranks report one loss and stop at one step.
    /// </summary>
    public (double Loss, bool Stop) EndStep(double lossContribution, bool stopRequested)
    {
        if (!IsDistributed) return (lossContribution, stopRequested);
        Span<double> values = [lossContribution, stopRequested ? 1 : 0];
        Communicator.SumInPlace(values);
        return (values[0], values[1] > 0);
    }

    /// <summary>Throws <see cref="ReplicaDivergenceException"/> on every rank when the ranks' weights differ.</summary>
    public void VerifyReplicas(long step, IEnumerable<FlatParameters> groups)
    {
        if (!IsDistributed) return;
        long[] sums = Communicator.AllGather(ParameterChecksum.Of(groups));
        var differing = Enumerable.Range(1, Size - 1).Where(r => sums[r] != sums[0]).ToList();
        if (differing.Count > 0)
            throw new ReplicaDivergenceException(
                $"the model replicas diverged by step {step}: the weights of rank{(differing.Count > 1 ? "s" : "")} " +
                $"{string.Join(", ", differing)} differ from rank 0's (checksums {string.Join(", ", sums.Select((s, r) => $"{r}:{s:x}"))}); " +
                "the ranks must run the same build on the same kind of CPU");
    }
}
