namespace RandSac.Segments;

/// <summary>
/// <c>blob:K</c>: tokens assigned to the nearest (Mahalanobis) of K random Gaussians;
/// empty components are dropped, so an image has at most K segments of varying sizes.
/// </summary>
public sealed class BlobSegmenter : ISegmenter
{
    public BlobSegmenter(int components,
        double minStd = GaussianMixture.DefaultMinStd, double maxStd = GaussianMixture.DefaultMaxStd)
    {
        if (components < 2) throw new ArgumentException($"blob:K needs K ≥ 2, got {components}");
        if (!(minStd > 0 && maxStd >= minStd))
            throw new ArgumentException($"blob standard deviations need 0 < min ≤ max, got [{minStd}, {maxStd}]");
        Components = components;
        MinStd = minStd;
        MaxStd = maxStd;
    }

    public int Components { get; }
    public double MinStd { get; }
    public double MaxStd { get; }

    public string Spec => $"blob:{Components}";

    public Segmentation Sample(TokenGrid grid, Random random)
    {
        var mixture = GaussianMixture.Sample(Components, random, MinStd, MaxStd);
        var points = Enumerable.Range(0, grid.Count).Select(grid.Normalised).ToArray();
        var (group, count) = mixture.Partition(points);
        return new Segmentation(grid, group, count);
    }
}
