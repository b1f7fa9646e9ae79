using RandSac.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Tests.Distributed;

/// <summary>
/// Rank 0 of a pretend world whose other ranks hold exactly what rank 0 holds: sums are rank 0's
/// values times the size, gathers repeat rank 0's value. Enough to run a data-parallel loop in
/// one test process.
/// </summary>
sealed class MirrorWorld(int size) : ICommunicator
{
    public int Rank => 0;
    public int Size => size;

    public void SumInPlace(Tensor buffer)
    {
        using var _ = no_grad();
        using var factor = ((double)size).ToScalar();
        buffer.mul_(factor);
    }

    public void SumInPlace(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= size;
    }

    public long[] AllGather(long value) => Enumerable.Repeat(value, size).ToArray();

    public void Abort(int exitCode) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
