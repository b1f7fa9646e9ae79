namespace RandSac.Studies;

/// <summary>
/// An arm's accuracy over its seeds: mean, sample standard deviation and n, and the standard
/// error of the mean (see <see cref="ClaimVerdict"/> for how it is formed).
/// </summary>
public sealed record ArmSummary(double Mean, double? Sd, int N, double StandardError)
{
    public static ArmSummary? Of(IReadOnlyList<MeasuredAccuracy> values)
    {
        if (values.Count == 0) return null;
        int n = values.Count;
        double mean = values.Average(v => v.Top1);
        double? sd = n >= 2 ? Math.Sqrt(values.Sum(v => (v.Top1 - mean) * (v.Top1 - mean)) / (n - 1)) : null;
        // The test-set binomial error of the mean: all a single seed can say, and a floor for a few seeds that agree by chance.
        double p = Math.Clamp(mean / 100, 0, 1);
        double binomial = 100 * Math.Sqrt(p * (1 - p) / values.Sum(v => (double)v.TestImages));
        double seedError = sd is { } s ? s / Math.Sqrt(n) : 0;
        return new ArmSummary(mean, sd, n, Math.Max(seedError, binomial));
    }
}
