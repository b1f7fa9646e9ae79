using static TorchSharp.torch;

namespace RandSac.Distributed;

/// <summary>
/// The processes (ranks) that train one model together, and the few collective operations
/// data-parallel training needs. Every rank must make the same calls in the same order.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index, 0 ≤ Rank &lt; Size.</summary>
    int Rank { get; }

    int Size { get; }

    /// <summary>Element-wise sum over all ranks of a contiguous CPU tensor (float32, float64 or int64), in place.</summary>
    void SumInPlace(Tensor buffer);

    /// <summary>Element-wise sum over all ranks, in place.</summary>
    void SumInPlace(Span<double> values);

    /// <summary>Every rank's <paramref name="value"/>, indexed by rank.</summary>
    long[] AllGather(long value);

    /// <summary>Ends every rank of the job with <paramref name="exitCode"/> (after this rank reported why).</summary>
    void Abort(int exitCode);
}
