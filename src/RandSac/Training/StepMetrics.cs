namespace RandSac.Training;

/// <summary>What one optimiser step reports.</summary>
/// <param name="Step">Steps completed, counting this one.</param>
/// <param name="Loss">Mean loss over the step's micro-batches.</param>
/// <param name="ImagesPerSecond">Throughput of this step, data waits included.</param>
/// <param name="Probe">The encoder probe's reading, on the steps it runs.</param>
public sealed record StepMetrics(long Step, long TotalSteps, int Epoch, double Loss, double Lr,
    double ImagesPerSecond, TimeSpan Elapsed, ProbeReading? Probe = null);

/// <summary>Hears about a pre-training run as it goes (progress bars, logs).</summary>
public interface IPretrainObserver
{
    /// <summary>
    /// The run starts (or resumes at <paramref name="startStep"/>) under <paramref name="schedule"/>,
    /// whose <see cref="LearningRateSchedule.TotalSteps"/> is the run's length and whose
    /// <see cref="LearningRateSchedule.Warning"/> says if its warmup was clamped.
    /// </summary>
    void OnStart(PretrainConfig config, LearningRateSchedule schedule, long startStep, long stopStep, int parameters);
    void OnStep(StepMetrics metrics);
    void OnCheckpoint(string path, long step);
}

/// <summary>The end of a run.</summary>
public sealed record PretrainSummary(long StartStep, long Steps, double FirstLoss, double LastLoss,
    TimeSpan Wall, double ImagesPerSecond, string CheckpointPath, string MetricsPath);
