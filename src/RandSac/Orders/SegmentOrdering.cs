namespace RandSac.Orders;

/// <summary>
/// One image's serial order of segments: <see cref="Sequence"/> lists segment ids in the
/// order they are predicted; <see cref="RankOfSegment"/> is its inverse. For hierarchical
/// orders, <see cref="PartitionsOfSegment"/> gives each segment's partition at every level
/// (finest grouping first); empty for flat orders.
/// </summary>
public sealed class SegmentOrdering
{
    public SegmentOrdering(int[] sequence, IReadOnlyList<int[]>? partitionsOfSegment = null)
    {
        Sequence = sequence;
        RankOfSegment = new int[sequence.Length];
        Array.Fill(RankOfSegment, -1);
        for (int rank = 0; rank < sequence.Length; rank++)
        {
            if (RankOfSegment[sequence[rank]] >= 0)
                throw new ArgumentException($"segment {sequence[rank]} appears twice in the order");
            RankOfSegment[sequence[rank]] = rank;
        }
        PartitionsOfSegment = partitionsOfSegment ?? [];
    }

    public int[] Sequence { get; }
    public int[] RankOfSegment { get; }
    public IReadOnlyList<int[]> PartitionsOfSegment { get; }
}
