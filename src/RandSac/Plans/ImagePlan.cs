using RandSac.Orders;
using RandSac.Segments;

namespace RandSac.Plans;

/// <summary>
/// What the model is asked to predict from what, for one image: its segments, their
/// serial order, each token's rank r (the position of its segment in the order), and the
/// token sequence sorted by (rank, raster index).
/// </summary>
public sealed class ImagePlan
{
    public ImagePlan(Segmentation segmentation, SegmentOrdering ordering)
    {
        if (ordering.Sequence.Length != segmentation.SegmentCount)
            throw new ArgumentException(
                $"the order has {ordering.Sequence.Length} segments, the segmentation {segmentation.SegmentCount}");
        Segmentation = segmentation;
        Ordering = ordering;
        RankOfToken = segmentation.SegmentOfToken.Select(s => ordering.RankOfSegment[s]).ToArray();
        Sequence = Enumerable.Range(0, RankOfToken.Length)
            .OrderBy(t => RankOfToken[t]).ThenBy(t => t).ToArray();
        FirstSegmentSize = RankOfToken.Count(r => r == 0);
        LastSegmentSize = RankOfToken.Count(r => r == SegmentCount - 1);
    }

    public Segmentation Segmentation { get; }
    public SegmentOrdering Ordering { get; }
    public int[] RankOfToken { get; }

    /// <summary>All token ids sorted by (rank, raster index).</summary>
    public int[] Sequence { get; }

    public int SegmentCount => Segmentation.SegmentCount;
    public int FirstSegmentSize { get; }
    public int LastSegmentSize { get; }

    /// <summary>The encoder's input: every token but those of the last segment, in sequence order.</summary>
    public ReadOnlySpan<int> EncoderTokens => Sequence.AsSpan(0, Sequence.Length - LastSegmentSize);

    /// <summary>The decoder's targets: every token but those of the first segment, in sequence order.</summary>
    public ReadOnlySpan<int> DecoderTokens => Sequence.AsSpan(FirstSegmentSize);
}
