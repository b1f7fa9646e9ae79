using RandSac.Cli.Studies;
using RandSac.Studies;
using RandSac.Training;

namespace RandSac.Tests.Studies;

/// <summary>Which random-init baseline each arm is measured against, and what a minimum gain does to the claims.</summary>
public class RandomInitGainTests
{
    const string Study = """
        {
          "name": "gain",
          "base": { "model": "mini", "decoder-depth": 4, "order": "random", "segments": "square:2" },
          "budget": { "epochs": 1 },
          "minimum-gain": 8.0,
          "arms": [
            { "name": "square", "paper": { "table": "4", "lin": 81.38 } },
            { "name": "mae", "overrides": { "method": "mae" } },
            { "name": "two-stream", "overrides": { "method": "two-stream" } },
            { "name": "random-init", "kind": "random-init", "shape-of": "square" },
            { "name": "random-init-two-stream", "kind": "random-init", "shape-of": "two-stream" }
          ],
          "claims": [
            { "id": "a", "statement": "square beats two-stream", "better": "square", "worse": "two-stream" },
            { "id": "b", "statement": "square beats mae", "better": "square", "worse": "mae" }
          ]
        }
        """;

    static StudyDefinition Load(TempDirectory folder, string text = Study)
    {
        string path = folder.Combine("gain.json");
        File.WriteAllText(path, text);
        return StudyFile.Load(path);
    }

    static StudyResults Results(params (string Arm, double Lin)[] records) => new()
    {
        Study = "gain",
        Records = records.Select(r => new StudyRecord
        {
            Arm = r.Arm, Seed = 0, Kind = ArmKind.Pretrain, Folder = "f", Config = new PretrainConfig(),
            Accuracy = { [StudyMetric.Lin] = new MeasuredAccuracy(r.Lin, 99, 10000, "linprobe.json") },
        }).ToList(),
    };

    /// <summary>two-stream gains 7.40 over a random encoder of its shape; square and mae gain more than 8.</summary>
    static readonly StudyResults TwoStreamUnderTheMinimum =
        Results(("square", 53.0), ("mae", 51.0), ("two-stream", 50.0), ("random-init", 42.5), ("random-init-two-stream", 42.6));

    [Fact]
    public void EachArmIsMeasuredAgainstRandomInitOfItsEncodersShape()
    {
        using var folder = new TempDirectory();
        var study = Load(folder);
        // MAE trains the same 6-block encoder as square; two-stream's stream is 10 blocks deep (encoder + decoder).
        Assert.Equal("random-init", RandomInitGain.BaselineOf(study, StudyFile.Arm(study, "square"))!.Name);
        Assert.Equal("random-init", RandomInitGain.BaselineOf(study, StudyFile.Arm(study, "mae"))!.Name);
        Assert.Equal("random-init-two-stream", RandomInitGain.BaselineOf(study, StudyFile.Arm(study, "two-stream"))!.Name);
    }

    [Fact]
    public void AStudyWithAMinimumGainNeedsABaselineOfEveryShape()
    {
        using var folder = new TempDirectory();
        var e = Assert.Throws<InvalidDataException>(() => Load(folder, Study.Replace(
            """{ "name": "random-init-two-stream", "kind": "random-init", "shape-of": "two-stream" }""",
            """{ "name": "random-init-mae", "kind": "random-init", "shape-of": "mae" }""")));
        Assert.Contains("minimum-gain needs a random-init baseline of arm 'two-stream''s encoder shape", e.Message);
    }

    [Fact]
    public void AClaimWithAnArmUnderTheMinimumIsReportedButNotCounted()
    {
        using var folder = new TempDirectory();
        var study = Load(folder);
        var results = TwoStreamUnderTheMinimum;

        var gains = RandomInitGain.Measure(study, results);
        Assert.Equal([("two-stream", "random-init-two-stream"), ("mae", "random-init"), ("square", "random-init")],
            gains.Select(g => (g.Arm, g.Baseline)));
        Assert.Equal(7.4, gains[0].Points, 9);
        Assert.Equal(["two-stream"], RandomInitGain.Under(study, results).Select(g => g.Arm));
        Assert.Equal("two-stream gains +7.40 LIN over random-init-two-stream, under the minimum of 8.00",
            RandomInitGain.WhyNotCounted(study, results, study.Claims[0]));
        Assert.Null(RandomInitGain.WhyNotCounted(study, results, study.Claims[1]));

        string report = StudyReport.Markdown(study, results);
        Assert.Contains("| a | square beats two-stream | lin | square − two-stream | +3.00 ± 0.71 (n 1, 1) | — | **holds**, not counted: " +
                        "two-stream gains +7.40 LIN over random-init-two-stream, under the minimum of 8.00 |", report);
        Assert.Contains("| b | square beats mae | lin | square − mae | +2.00 ± 0.71 (n 1, 1) | — | **holds** |", report);
        Assert.Contains("in LIN points: two-stream +7.40 (against `random-init-two-stream`, LIN 42.60); mae +8.50, square +10.50 " +
                        "(against `random-init`, LIN 42.50). Under the minimum gain of 8.00: two-stream; the claims that involve them are not counted.", report);
    }

    [Fact]
    public void AClaimIsNotCountedUntilTheGainsOfItsArmsAreMeasured()
    {
        using var folder = new TempDirectory();
        var study = Load(folder);
        // random-init-two-stream has not run yet, and mae's LIN is missing: neither gain is known.
        var results = Results(("square", 53.0), ("two-stream", 50.0), ("random-init", 42.5));

        Assert.Equal("two-stream's gain over random-init-two-stream is not measured yet",
            RandomInitGain.WhyNotCounted(study, results, study.Claims[0]));
        Assert.Equal("mae's gain over random-init is not measured yet",
            RandomInitGain.WhyNotCounted(study, results, study.Claims[1]));
        Assert.Contains("| a | square beats two-stream | lin | square − two-stream | +3.00 ± 0.71 (n 1, 1) | — | **holds**, not counted: " +
                        "two-stream's gain over random-init-two-stream is not measured yet |", StudyReport.Markdown(study, results));
    }

    [Fact]
    public void TheChartLabelsTheArmsOfAClaimThatIsNotCounted()
    {
        using var folder = new TempDirectory();
        var study = Load(folder);
        var results = TwoStreamUnderTheMinimum;

        var columns = StudyChart.Columns(study, results);

        Assert.Equal(["a: square (lin, not counted)", "a: two-stream (lin, not counted)", "b: square (lin)", "b: mae (lin)"],
            columns.Select(c => c.Label));
        Assert.Equal([0, 1, 2.8, 3.8], columns.Select(c => Math.Round(c.X, 9)));
        Assert.Equal([53.0, 50.0, 53.0, 51.0], columns.Select(c => c.Measured!.Mean));
        Assert.Equal([81.38, null, 81.38, null], columns.Select(c => c.Paper));
    }

    [Fact]
    public void WithoutAMinimumEveryClaimCounts()
    {
        using var folder = new TempDirectory();
        var study = Load(folder) with { MinimumGain = null };
        var results = Results(("square", 53.0), ("two-stream", 43.0), ("random-init", 42.5), ("random-init-two-stream", 42.6));
        Assert.Empty(RandomInitGain.Under(study, results));
        Assert.Null(RandomInitGain.WhyNotCounted(study, results, study.Claims[0]));
    }
}
