using RandSac.Models;
using RandSac.Training;

namespace RandSac.Benchmarks;

/// <summary>What <see cref="StepBenchmark"/> times: one configuration's pre-training step.</summary>
/// <param name="Options">Method, encoder and decoder shapes.</param>
/// <param name="Segments">Segment spec (RandSAC and two-stream).</param>
/// <param name="Order">Order spec (RandSAC and two-stream).</param>
/// <param name="Batch">Images per step.</param>
/// <param name="Precision">fp32 or bf16 mixed precision.</param>
/// <param name="Threads">Intra-op threads.</param>
/// <param name="Warmup">Untimed steps first.</param>
/// <param name="Steps">Timed steps.</param>
/// <param name="Idle">How to wait for an idle machine; null to time at once.</param>
/// <param name="Seed">Seed of the model, the random batch and its plan.</param>
public sealed record StepBenchmarkSettings(
    PretrainOptions Options,
    string Segments,
    string Order,
    int Batch,
    Precision Precision,
    int Threads,
    int Warmup = 3,
    int Steps = 10,
    IdlePolicy? Idle = null,
    int Seed = 0)
{
    public StepBenchmarkSettings Validated()
    {
        if (Batch <= 0) throw new ArgumentException($"batch must be positive, got {Batch}");
        if (Threads <= 0) throw new ArgumentException($"threads must be positive, got {Threads}");
        if (Warmup < 0) throw new ArgumentException($"warm-up steps must not be negative, got {Warmup}");
        if (Steps <= 0) throw new ArgumentException($"timed steps must be positive, got {Steps}");
        return this;
    }
}

/// <summary>
/// Waiting for an idle machine before timing: other processes must stay under
/// <paramref name="MaxForeign"/> of the CPUs for <paramref name="Quiet"/>; give up waiting after
/// <paramref name="MaxWait"/>. A timed window in which they used more is repeated, at most
/// <paramref name="Retries"/> times, and the last one is reported with its share.
/// </summary>
public sealed record IdlePolicy(TimeSpan Quiet, TimeSpan MaxWait, double MaxForeign = 0.05, int Retries = 3)
{
    public static IdlePolicy Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(20));
}
