namespace RandSac.Segments;

/// <summary>
/// <c>shuffled:K</c>, the paper's control for spatial coherence: segment sizes drawn as
/// for <c>blob:K</c>, but tokens assigned to segments at random.
/// </summary>
public sealed class ShuffledSegmenter(int components) : ISegmenter
{
    readonly BlobSegmenter _blobs = new(components);

    public int Components => _blobs.Components;

    public string Spec => $"shuffled:{Components}";

    public Segmentation Sample(TokenGrid grid, Random random)
    {
        var blobs = _blobs.Sample(grid, random);
        var segmentOf = (int[])blobs.SegmentOfToken.Clone();
        random.Shuffle(segmentOf);
        return new Segmentation(grid, segmentOf, blobs.SegmentCount);
    }
}
