using RandSac.Studies;
using RandSac.Training;

namespace RandSac.Tests.Studies;

public class ClaimVerdictTests
{
    static readonly StudyClaim Claim = new() { Id = "1", Statement = "a beats b", Better = "a", Worse = "b" };

    static StudyResults Results(params (string Arm, int Seed, double Top1, int TestImages)[] records) => new()
    {
        Study = "s",
        Records = records.Select(r => new StudyRecord
        {
            Arm = r.Arm,
            Seed = r.Seed,
            Kind = ArmKind.Pretrain,
            Folder = "f",
            Config = new PretrainConfig(),
            Accuracy = { [StudyMetric.Lin] = new MeasuredAccuracy(r.Top1, 99, r.TestImages, "linprobe.json") },
        }).ToList(),
    };

    [Fact]
    public void OneSeedUsesTheTestSetBinomialError()
    {
        // p = 0.5 on 10 000 images: SE = 100·√(0.25/10000) = 0.5 points per arm, √(0.5² + 0.5²) = 0.7071 for the difference.
        var verdict = ClaimVerdict.Judge(Claim, Results(("a", 0, 50.8, 10000), ("b", 0, 49.2, 10000)))!;
        Assert.Equal(1.6, verdict.Difference, 9);
        Assert.Equal(Math.Sqrt(0.5), verdict.StandardError, 3);
        Assert.Equal(Verdict.Holds, verdict.Verdict);
    }

    [Theory]
    [InlineData(50.7, 49.3, Verdict.Inconclusive)] // 1.4 < 2 × 0.7071
    [InlineData(50.75, 49.25, Verdict.Holds)] // 1.5 > 1.414
    [InlineData(49.25, 50.75, Verdict.Reversed)]
    public void TheVerdictIsTwoStandardErrors(double a, double b, Verdict expected) =>
        Assert.Equal(expected, ClaimVerdict.Judge(Claim, Results(("a", 0, a, 10000), ("b", 0, b, 10000)))!.Verdict);

    [Fact]
    public void SeveralSeedsUseTheirSpreadWhenItIsLarger()
    {
        // a: 60 and 64, sd = 2.828, sd/√2 = 2 (binomial of the mean: 100·√(0.62·0.38/20000) = 0.34); b: 55 and 55, binomial 0.352.
        var results = Results(("a", 0, 60, 10000), ("a", 1, 64, 10000), ("b", 0, 55, 10000), ("b", 1, 55, 10000));
        var verdict = ClaimVerdict.Judge(Claim, results)!;
        Assert.Equal(2, verdict.Better.N);
        Assert.Equal(Math.Sqrt(8), verdict.Better.Sd!.Value, 9);
        Assert.Equal(2.0, verdict.Better.StandardError, 9);
        Assert.Equal(100 * Math.Sqrt(0.55 * 0.45 / 20000), verdict.Worse.StandardError, 9);
        Assert.Equal(7.0, verdict.Difference, 9);
        Assert.Equal(Math.Sqrt(4 + 0.55 * 0.45 / 2), verdict.StandardError, 9);
        Assert.Equal(Verdict.Holds, verdict.Verdict);
    }

    [Fact]
    public void AClaimWithAnUnmeasuredArmHasNoVerdict() =>
        Assert.Null(ClaimVerdict.Judge(Claim, Results(("a", 0, 50, 10000))));

    [Fact]
    public void SeedsCanBeRestricted()
    {
        var results = Results(("a", 0, 60, 10000), ("a", 1, 70, 10000), ("b", 0, 55, 10000), ("b", 1, 55, 10000));
        Assert.Equal(5.0, ClaimVerdict.Judge(Claim, results, [0])!.Difference, 9);
    }
}
