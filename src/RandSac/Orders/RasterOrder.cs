using RandSac.Segments;

namespace RandSac.Orders;

/// <summary><c>raster</c>: segments by the raster index of their first token.</summary>
public sealed class RasterOrder : ISegmentOrder
{
    public string Spec => "raster";

    public SegmentOrdering Sample(Segmentation segmentation, Random random)
    {
        var sequence = new List<int>(segmentation.SegmentCount);
        var seen = new bool[segmentation.SegmentCount];
        foreach (int segment in segmentation.SegmentOfToken)
            if (!seen[segment])
            {
                seen[segment] = true;
                sequence.Add(segment);
            }
        return new SegmentOrdering([.. sequence]);
    }
}
