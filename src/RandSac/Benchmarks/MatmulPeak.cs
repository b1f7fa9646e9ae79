using System.Diagnostics;
using static TorchSharp.torch;

namespace RandSac.Benchmarks;

/// <summary>
/// The machine's practical matmul peak: GFLOP/s of an n×n by n×n product in a dtype, with the
/// current intra-op threads (median of the repeats); the yardstick a training step's achieved
/// GFLOP/s is compared with.
/// </summary>
public static class MatmulPeak
{
    public static double Measure(ScalarType dtype, int n = 1024, int warmup = 3, int repeats = 10)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = randn(n, n).to(dtype);
        var b = randn(n, n).to(dtype);
        for (int i = 0; i < warmup; i++) a.mm(b).Dispose();
        var seconds = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            a.mm(b).Dispose();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        return 2.0 * n * n * n / seconds[repeats / 2] / 1e9;
    }
}
