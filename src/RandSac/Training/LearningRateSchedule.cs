using System.Globalization;

namespace RandSac.Training;

/// <summary>
/// Per-iteration learning rate, as in MAE: linear warmup from 0 to the peak over the
/// warmup steps, then half a cosine down to the minimum at the last step. The warmup never
/// outlasts the run (see <see cref="Clamped"/>).
/// </summary>
public sealed record LearningRateSchedule
{
    public LearningRateSchedule(double PeakLr, double MinLr, long WarmupSteps, long TotalSteps)
    {
        if (TotalSteps <= 0) throw new ArgumentException($"a schedule needs at least one step, got {TotalSteps}");
        if (WarmupSteps < 0 || WarmupSteps > TotalSteps)
            throw new ArgumentException($"warmup of {WarmupSteps} steps does not fit a run of {TotalSteps} steps");
        this.PeakLr = PeakLr;
        this.MinLr = MinLr;
        this.WarmupSteps = WarmupSteps;
        this.TotalSteps = TotalSteps;
    }

    public double PeakLr { get; }
    public double MinLr { get; }
    public long WarmupSteps { get; }
    public long TotalSteps { get; }

    /// <summary>
    /// Set when the warmup asked for was longer than the run and was cut to it: a one-line
    /// warning saying so. Otherwise null.
    /// </summary>
    public string? Warning { get; private init; }

    /// <summary>The paper's scaling rule: lr = base_lr × batch / 256.</summary>
    public static double ScaledPeak(double baseLr, int effectiveBatch) => baseLr * effectiveBatch / 256.0;

    /// <summary>
    /// A schedule of <paramref name="totalSteps"/> steps warming up over
    /// <paramref name="warmupEpochs"/> × <paramref name="stepsPerEpoch"/> steps. A warmup longer
    /// than the run (e.g. the paper's 10 warmup epochs in a 1-epoch run, which would never get
    /// past a tenth of the peak) is clamped to the whole run, so the lr rises linearly to the
    /// peak at the end, and <see cref="Warning"/> says so.
    /// </summary>
    public static LearningRateSchedule Clamped(double peakLr, double minLr, double warmupEpochs, double stepsPerEpoch,
        long totalSteps)
    {
        long requested = (long)(warmupEpochs * stepsPerEpoch);
        if (requested <= totalSteps) return new LearningRateSchedule(peakLr, minLr, requested, totalSteps);
        string epochs = warmupEpochs.ToString("0.###", CultureInfo.InvariantCulture);
        return new LearningRateSchedule(peakLr, minLr, totalSteps, totalSteps)
        {
            Warning = $"warning: {epochs} warmup epochs ({requested} steps) are longer than the run ({totalSteps} steps); " +
                      $"warming up over all {totalSteps} steps instead, so the lr rises to its peak only at the end (set --warmup-epochs to change)",
        };
    }

    /// <summary>One line for the start of a run: the peak lr, warmup steps and total steps.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"peak lr {PeakLr:G4} · warmup {WarmupSteps} of {TotalSteps} steps · cosine to {MinLr:G4}");

    public double At(long step)
    {
        if (step < WarmupSteps) return PeakLr * step / WarmupSteps;
        long decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return MinLr + (PeakLr - MinLr) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
