namespace RandSac.Studies;

public enum Verdict
{
    Holds,
    Reversed,
    Inconclusive,
}

/// <summary>
/// The measured difference of a claim (better arm minus worse arm, in points) with its standard
/// error and the verdict. The rule (also written into results.md): SE = √(SE_better² + SE_worse²),
/// where an arm's SE is the larger of its seeds' sd/√n and the test-set binomial error
/// √(p(1−p)/(n·N_test)) — with one seed only the latter exists. The claim holds when the
/// difference exceeds 2 SE, is reversed when it is below −2 SE, and is inconclusive otherwise.
/// </summary>
public sealed record ClaimVerdict(StudyClaim Claim, ArmSummary Better, ArmSummary Worse, double Difference, double StandardError,
    Verdict Verdict)
{
    public const double Threshold = 2.0;

    public const string Rule =
        "difference = mean(better arm) − mean(worse arm), in points of top-1. Its standard error is " +
        "SE = √(SE_better² + SE_worse²), where an arm's SE is the larger of its seeds' sd/√n and the test-set binomial " +
        "error √(p(1−p)/(n·N_test)) (with a single seed, only the binomial error is available, so it understates the " +
        "seed-to-seed spread). **holds** if difference > 2 SE, **reversed** if difference < −2 SE, **inconclusive** otherwise.";

    /// <summary>Null when either arm has no measurement of the claim's metric yet.</summary>
    public static ClaimVerdict? Judge(StudyClaim claim, StudyResults results, IEnumerable<int>? seeds = null)
    {
        var seedList = seeds?.ToArray();
        if (ArmSummary.Of(results.Of(claim.Better, claim.Metric, seedList)) is not { } better
            || ArmSummary.Of(results.Of(claim.Worse, claim.Metric, seedList)) is not { } worse) return null;
        return From(claim, better, worse);
    }

    public static ClaimVerdict From(StudyClaim claim, ArmSummary better, ArmSummary worse)
    {
        double difference = better.Mean - worse.Mean;
        double se = Math.Sqrt(better.StandardError * better.StandardError + worse.StandardError * worse.StandardError);
        var verdict = difference > Threshold * se ? Verdict.Holds
            : difference < -Threshold * se ? Verdict.Reversed
            : Verdict.Inconclusive;
        return new ClaimVerdict(claim, better, worse, difference, se, verdict);
    }
}
