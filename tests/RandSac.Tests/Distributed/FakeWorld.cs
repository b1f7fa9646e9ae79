using RandSac.Distributed;
using static TorchSharp.torch;

namespace RandSac.Tests.Distributed;

/// <summary>
/// Rank 0 of a pretend world whose other ranks contribute fixed values, for testing what a rank
/// does with the results of collectives without starting MPI.
/// </summary>
sealed class FakeWorld(int size, double[] othersSum, long[] othersChecksums) : ICommunicator
{
    public int Rank => 0;
    public int Size => size;

    public void SumInPlace(Tensor buffer) => throw new NotSupportedException("no tensors in this fake");

    public void SumInPlace(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] += othersSum[i];
    }

    public long[] AllGather(long value) => [value, .. othersChecksums];

    public void Abort(int exitCode) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
