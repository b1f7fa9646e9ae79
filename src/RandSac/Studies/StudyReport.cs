using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace RandSac.Studies;

/// <summary>
/// <c>results.md</c>: per arm mean ± sd over seeds of LIN, kNN and FT beside the paper's
/// numbers; per claim the measured difference ± SE, the paper's difference and the verdict,
/// with the verdict rule written out.
/// </summary>
public static class StudyReport
{
    public const string FileName = "results.md";

    public static string Markdown(StudyDefinition study, StudyResults results, string? chart = null)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Study `{study.Name}`");
        md.AppendLine();
        if (study.Description is { } description) md.AppendLine(description).AppendLine();
        md.AppendLine($"- Study file: `{results.StudyFile}` (of the latest invocation)");
        md.AppendLine($"- Base: `{study.Base.ToJsonString()}`");
        md.AppendLine($"- Budget (every pre-trained arm alike): `{study.Budget.ToJsonString()}`");
        md.AppendLine($"- Seeds: {string.Join(", ", study.Seeds)}" + (study.Replicate is { } r
            ? $"; seeds {string.Join(", ", r.Seeds)} added for the arms of counted claims whose difference, over the seeds measured, is under {F(r.Below)} points"
            : ""));
        md.AppendLine($"- Evaluation: linear probe `{study.Evaluation.Linprobe.ToJsonString()}` (the primary number)" +
                      (study.Evaluation.Knn is { } knnFlags ? $", kNN `{knnFlags.ToJsonString()}` (a monitor)" : "") +
                      (study.Evaluation.FinetuneArms.Length > 0
                          ? $", fine-tuning `{study.Evaluation.Finetune.ToJsonString()}` for {string.Join(", ", study.Evaluation.FinetuneArms)}"
                          : ""));
        if (study.MinimumGain is { } minimum)
            md.AppendLine($"- Minimum gain: every pre-trained arm must beat random initialisation of its encoder's shape by {F(minimum)} LIN points; " +
                          "a claim with an arm under it, or with an arm whose gain is not measured yet, is reported but not counted");
        var builds = results.Records.SelectMany(x => x.Build.Values).Distinct().ToList();
        md.AppendLine($"- Builds: {(builds.Count == 0 ? "none yet" : string.Join(", ", builds.Select(b => $"`{b}`")))}");
        double hours = results.Records.Sum(x => x.WallSeconds.Values.Sum()) / 3600;
        md.AppendLine($"- Wall time of the finished stages: {hours:F1} h");
        md.AppendLine();

        md.AppendLine("## Arms");
        md.AppendLine();
        md.AppendLine("Top-1 on the test split, % (mean ± sd over n seeds; sd needs n ≥ 2). The paper's numbers are full-scale GPU runs.");
        md.AppendLine();
        md.AppendLine("| arm | setting | n | LIN | kNN | FT | paper table | paper LIN | paper FT | pre-training wall (mean per seed) |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var arm in study.Arms)
        {
            var lin = ArmSummary.Of(results.Of(arm.Name, StudyMetric.Lin));
            var knn = ArmSummary.Of(results.Of(arm.Name, StudyMetric.Knn));
            var ft = ArmSummary.Of(results.Of(arm.Name, StudyMetric.Ft));
            int n = new[] { lin?.N, knn?.N, ft?.N }.Max() ?? 0;
            var walls = results.Records.Where(x => x.Arm == arm.Name && x.WallSeconds.ContainsKey(StudyStage.Pretrain))
                .Select(x => x.WallSeconds[StudyStage.Pretrain]).ToList();
            md.AppendLine($"| {arm.Name} | {Setting(arm)} | {n} | {Cell(lin)} | {Cell(knn)} | {Cell(ft)} | {arm.Paper?.Table ?? "—"} | " +
                          $"{Number(arm.Paper?.Lin)} | {Number(arm.Paper?.Ft)} | {(walls.Count == 0 ? "—" : $"{walls.Average() / 60:F0} min")} |");
        }
        md.AppendLine();
        if (GainParagraph(study, results) is { } gains) md.AppendLine(gains).AppendLine();

        md.AppendLine("## Claims");
        md.AppendLine();
        md.AppendLine("| claim | statement | metric | better − worse | measured difference ± SE | paper difference | verdict |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var claim in study.Claims)
        {
            var verdict = ClaimVerdict.Judge(claim, results);
            string measured = verdict is null ? "not measured yet" : $"{Signed(verdict.Difference)} ± {F(verdict.StandardError)} (n {verdict.Better.N}, {verdict.Worse.N})";
            string judged = verdict is null ? "—" : $"**{StudyFile.Kebab(verdict.Verdict)}**" +
                (RandomInitGain.WhyNotCounted(study, results, claim) is { } why ? $", not counted: {why}" : "");
            md.AppendLine($"| {claim.Id} | {claim.Statement} | {StudyFile.Kebab(claim.Metric)} | {claim.Better} − {claim.Worse} | {measured} | " +
                          $"{PaperDifference(study, claim)} | {judged} |");
        }
        md.AppendLine();
        md.AppendLine("**Verdict rule.** " + ClaimVerdict.Rule);
        md.AppendLine();
        if (chart is not null) md.AppendLine($"![results]({chart})").AppendLine();
        return md.ToString();
    }

    public static void Write(string folder, StudyDefinition study, StudyResults results, string? chart)
    {
        string path = Path.Combine(folder, FileName);
        File.WriteAllText(path + ".tmp", Markdown(study, results, chart));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The paper's difference of a claim from its arms' published numbers, when both exist.</summary>
    public static double? PaperValue(StudyDefinition study, StudyClaim claim)
    {
        if (claim.PaperDifference is { } given) return given;
        double? Of(string arm) => claim.Metric switch
        {
            StudyMetric.Lin => StudyFile.Arm(study, arm).Paper?.Lin,
            StudyMetric.Ft => StudyFile.Arm(study, arm).Paper?.Ft,
            _ => null,
        };
        return Of(claim.Better) - Of(claim.Worse);
    }

    static string PaperDifference(StudyDefinition study, StudyClaim claim) =>
        PaperValue(study, claim) is { } d ? Signed(d) + (claim.Table is null ? "" : $" (Table {claim.Table})") : "—";

    /// <summary>How far each pre-trained arm's LIN is above random initialisation of its encoder's shape, and which arms are under the minimum.</summary>
    static string? GainParagraph(StudyDefinition study, StudyResults results)
    {
        var gains = RandomInitGain.Measure(study, results);
        if (gains.Count == 0) return null;
        var text = new StringBuilder("Gain over random initialisation of the same encoder shape, in LIN points: ");
        text.AppendJoin("; ", gains.GroupBy(g => g.Baseline).Select(group =>
            string.Join(", ", group.Select(g => $"{g.Arm} {Signed(g.Points)}")) +
            $" (against `{group.Key}`, LIN {F(ArmSummary.Of(results.Of(group.Key, StudyMetric.Lin))!.Mean)})"));
        text.Append(". ");
        if (study.MinimumGain is { } minimum)
        {
            var under = RandomInitGain.Under(study, results);
            text.Append(under.Count == 0
                ? $"Every measured arm clears the minimum gain of {F(minimum)}."
                : $"Under the minimum gain of {F(minimum)}: {string.Join(", ", under.Select(g => g.Arm))}; the claims that involve them are not counted.");
        }
        return text.ToString().TrimEnd();
    }

    static string Setting(StudyArm arm) => arm.Kind switch
    {
        ArmKind.Pretrain => arm.Overrides.Count == 0 ? "the base" : string.Join(", ", arm.Overrides.Select(p => $"{p.Key} {Value(p.Value)}")),
        ArmKind.RandomInit => $"random init of {arm.ShapeOf}'s encoder",
        _ => $"supervised from scratch, {arm.ShapeOf}'s encoder",
    };

    static string Value(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : node?.ToJsonString() ?? "null";

    static string Cell(ArmSummary? s) => s is null ? "—" : s.Sd is { } sd ? $"{F(s.Mean)} ± {F(sd)}" : F(s.Mean);
    static string Number(double? value) => value is { } v ? F(v) : "—";
    static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
    static string Signed(double value) => value.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);
}
