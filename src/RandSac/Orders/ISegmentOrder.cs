using RandSac.Segments;

namespace RandSac.Orders;

/// <summary>Serialises an image's segments: decides which segment is predicted from which.</summary>
public interface ISegmentOrder
{
    /// <summary>The spec string that builds this order, e.g. <c>hier:4</c>.</summary>
    string Spec { get; }

    SegmentOrdering Sample(Segmentation segmentation, Random random);
}
