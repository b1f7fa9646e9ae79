using RandSac.Training;

namespace RandSac.Evaluation;

/// <summary>Hears about a long evaluation as it goes (progress bars, logs).</summary>
public interface IEvaluationObserver
{
    /// <summary>A new phase starts, e.g. "train features", with <paramref name="total"/> units of work.</summary>
    void OnPhase(string phase, long total);

    /// <summary><paramref name="done"/> of the phase's units are finished; <paramref name="status"/> is an optional short line.</summary>
    void OnProgress(long done, string? status = null);

    /// <summary>
    /// A training phase's learning-rate schedule, before its first step; its
    /// <see cref="LearningRateSchedule.Warning"/> says if the warmup was clamped to the run.
    /// </summary>
    void OnSchedule(string phase, LearningRateSchedule schedule);
}
