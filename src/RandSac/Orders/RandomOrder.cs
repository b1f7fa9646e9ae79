using RandSac.Segments;

namespace RandSac.Orders;

/// <summary><c>random</c>: a uniform random permutation of the segments.</summary>
public sealed class RandomOrder : ISegmentOrder
{
    public string Spec => "random";

    public SegmentOrdering Sample(Segmentation segmentation, Random random)
    {
        var sequence = Enumerable.Range(0, segmentation.SegmentCount).ToArray();
        random.Shuffle(sequence);
        return new SegmentOrdering(sequence);
    }
}
