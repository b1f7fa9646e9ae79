namespace RandSac.Training;

/// <summary>
/// Per-iteration learning rate, as in MAE: linear warmup from 0 to the peak over the
/// warmup steps, then half a cosine down to the minimum at the last step.
/// </summary>
public sealed record LearningRateSchedule(double PeakLr, double MinLr, long WarmupSteps, long TotalSteps)
{
    /// <summary>The paper's scaling rule: lr = base_lr × batch / 256.</summary>
    public static double ScaledPeak(double baseLr, int effectiveBatch) => baseLr * effectiveBatch / 256.0;

    public double At(long step)
    {
        if (step < WarmupSteps) return PeakLr * step / WarmupSteps;
        long decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return MinLr + (PeakLr - MinLr) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
