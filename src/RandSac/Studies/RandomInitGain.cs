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

    /// <summary>Why a claim's verdict is not counted (an arm of it is under the minimum gain), or null.</summary>
    public static string? WhyNotCounted(StudyDefinition study, StudyResults results, StudyClaim claim)
    {
        var under = Under(study, results).Where(g => g.Arm == claim.Better || g.Arm == claim.Worse).ToList();
        if (under.Count == 0) return null;
        return string.Join("; ", under.Select(g =>
            $"{g.Arm} gains {Points(g.Points, "+0.00;−0.00")} LIN over {g.Baseline}, under the minimum of {Points(study.MinimumGain!.Value, "0.00")}"));
    }

    static string Points(double value, string format) => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The encoder an arm trains and evaluation keeps, as the study resolves it (channels do not differ between arms of one dataset).</summary>
    static ViTConfig EncoderShape(StudyDefinition study, StudyArm arm)
    {
        var config = StudyFile.Resolve(study, arm, study.Seeds[0]);
        return config.ModelOptions(channels: 3, config.Dataset.ImageSize).TrainedEncoder;
    }
}
