namespace RandSac.Benchmarks;

/// <summary>What <see cref="StepBenchmark"/> measured.</summary>
/// <param name="StepSeconds">Each timed step, in order.</param>
/// <param name="OptimizerSeconds">The update part (clip-free AdamW step, zeroing, working-copy refresh) of each timed step.</param>
/// <param name="Cost">Parameters and MACs of the configuration.</param>
/// <param name="MatmulPeakFp32">GFLOP/s of a 1024³ float32 matmul, measured just before the timed steps.</param>
/// <param name="MatmulPeakBf16">Same in bfloat16.</param>
/// <param name="PeakResidentBytes">VmHWM at the end (the whole process), null off Linux.</param>
/// <param name="ForeignCpuShare">Share of all cores other processes used during the timed steps (NaN if unknown).</param>
/// <param name="IdleWait">How long the benchmark waited for an idle machine, in total.</param>
/// <param name="Tries">Timed windows run (more than one when others used the CPUs).</param>
/// <param name="FinalLoss">The loss of the last step (a sanity check, not a result).</param>
/// <param name="CpuSecondsPerStep">The job's CPU time per timed step (all its threads, on every rank).</param>
public sealed record StepBenchmarkResult(
    StepBenchmarkSettings Settings,
    IReadOnlyList<double> StepSeconds,
    IReadOnlyList<double> OptimizerSeconds,
    ModelCost Cost,
    double MatmulPeakFp32,
    double MatmulPeakBf16,
    long? PeakResidentBytes,
    double ForeignCpuShare,
    TimeSpan IdleWait,
    bool MachineWasIdle,
    int Tries,
    double FinalLoss,
    double CpuSecondsPerStep)
{
    /// <summary>Ranks the step was spread over (1: one process).</summary>
    public int Ranks { get; init; } = 1;

    /// <summary>Mean time per timed step in the gradient Allreduce (0 for one process).</summary>
    public double ReduceSecondsPerStep { get; init; }

    /// <summary>Gradient elements reduced per step (float32).</summary>
    public long ReducedElements { get; init; }

    public double MedianSeconds => Median(StepSeconds);
    public double MinSeconds => StepSeconds.Min();
    public double MaxSeconds => StepSeconds.Max();
    public double MeanSeconds => StepSeconds.Average();

    /// <summary>Images per second at the median step time.</summary>
    public double ImagesPerSecond => Settings.Batch / MedianSeconds;

    /// <summary>Analytic training FLOPs per second at the median step time.</summary>
    public double AchievedGflops => Cost.TrainFlopsPerImage * ImagesPerSecond / 1e9;

    /// <summary>The peak of the precision the step computes in.</summary>
    public double PeakGflops => Settings.Precision == Training.Precision.Bf16 ? MatmulPeakBf16 : MatmulPeakFp32;

    public double ShareOfPeak => AchievedGflops / PeakGflops;

    /// <summary>The optimiser's share of the median step.</summary>
    public double OptimizerShare => Median(OptimizerSeconds) / MedianSeconds;

    static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
