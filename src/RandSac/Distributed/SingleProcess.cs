using static TorchSharp.torch;

namespace RandSac.Distributed;

/// <summary>A world of one: every collective is the identity, and no MPI library is loaded.</summary>
public sealed class SingleProcess : ICommunicator
{
    public static SingleProcess Instance { get; } = new();

    public int Rank => 0;
    public int Size => 1;

    public void SumInPlace(Tensor buffer)
    {
    }

    public void SumInPlace(Span<double> values)
    {
    }

    public long[] AllGather(long value) => [value];

    public void Abort(int exitCode) => Environment.Exit(exitCode);

    public void Dispose()
    {
    }
}
