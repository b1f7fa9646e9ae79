using RandSac.Models;

namespace RandSac.Studies;

/// <summary>
/// How far pre-training lifted each arm's encoder above random initialisation: its LIN minus
/// that of the random-init baseline of the same encoder shape (the baseline shaped as the arm
/// itself, else one shaped as an arm whose trained encoder is built alike: MAE's and RandSAC's
/// `mini` encoders share one, two-stream's deeper stream needs its own). Under the study's
/// <see cref="StudyDefinition.MinimumGain"/> the budget was too small to say anything about the
/// arm, so the claims that involve it are not counted.
/// </summary>
public static class RandomInitGain
{
    public sealed record Gain(string Arm, string Baseline, double Points);

    /// <summary>The random-init baseline an arm is measured against; null when the study has none of its shape.</summary>
    public static StudyArm? BaselineOf(StudyDefinition study, StudyArm arm)
    {
        var baselines = study.Arms.Where(a => a.Kind == ArmKind.RandomInit).ToList();
        return baselines.FirstOrDefault(b => b.ShapeOf == arm.Name)
               ?? baselines.FirstOrDefault(b => EncoderShape(study, StudyFile.Arm(study, b.ShapeOf!)) == EncoderShape(study, arm));
    }

    /// <summary>The gain of every pre-trained arm whose LIN and whose baseline's LIN are measured, smallest first.</summary>
    public static IReadOnlyList<Gain> Measure(StudyDefinition study, StudyResults results) => study.Arms
        .Where(a => a.Kind == ArmKind.Pretrain)
        .Select(a => (Arm: a, Baseline: BaselineOf(study, a)))
        .Where(p => p.Baseline is not null)
        .Select(p => (p.Arm, p.Baseline, Lin: ArmSummary.Of(results.Of(p.Arm.Name, StudyMetric.Lin)),
            Random: ArmSummary.Of(results.Of(p.Baseline!.Name, StudyMetric.Lin))))
        .Where(p => p.Lin is not null && p.Random is not null)
        .Select(p => new Gain(p.Arm.Name, p.Baseline!.Name, p.Lin!.Mean - p.Random!.Mean))
        .OrderBy(g => g.Points)
        .ToList();

    /// <summary>The measured arms under the study's minimum gain (none when the study sets no minimum).</summary>
    public static IReadOnlyList<Gain> Under(StudyDefinition study, StudyResults results) =>
        study.MinimumGain is { } minimum ? Measure(study, results).Where(g => g.Points < minimum).ToList() : [];

    /// <summary>
    /// Why a claim's verdict is not counted, or null: an arm of it is under the minimum gain, or
    /// its gain is not measured yet (its LIN or its baseline's is missing), so the budget rule
    /// cannot vouch for it.
    /// </summary>
    public static string? WhyNotCounted(StudyDefinition study, StudyResults results, StudyClaim claim)
    {
        if (study.MinimumGain is not { } minimum) return null;
        var measured = Measure(study, results).ToDictionary(g => g.Arm);
        var reasons = new[] { claim.Better, claim.Worse }
            .Select(name => StudyFile.Arm(study, name))
            .Where(arm => arm.Kind == ArmKind.Pretrain)
            .Select(arm => measured.TryGetValue(arm.Name, out var gain)
                ? gain.Points < minimum
                    ? $"{gain.Arm} gains {Points(gain.Points, "+0.00;−0.00")} LIN over {gain.Baseline}, under the minimum of {Points(minimum, "0.00")}"
                    : null
                : $"{arm.Name}'s gain over {BaselineOf(study, arm)!.Name} is not measured yet")
            .OfType<string>()
            .ToList();
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    static string Points(double value, string format) => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The encoder an arm trains and evaluation keeps, as the study resolves it (channels do not differ between arms of one dataset).</summary>
    static ViTConfig EncoderShape(StudyDefinition study, StudyArm arm)
    {
        var config = StudyFile.Resolve(study, arm, study.Seeds[0]);
        return config.ModelOptions(channels: 3, config.Dataset.ImageSize).TrainedEncoder;
    }
}
