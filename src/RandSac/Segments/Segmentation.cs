namespace RandSac.Segments;

/// <summary>
/// One image's tokens grouped into segments: every token carries exactly one segment id
/// in [0, SegmentCount). When the segments tile a regular grid (patches, squares),
/// <see cref="Layout"/> gives that grid, with segment id = row · cols + col.
/// </summary>
public sealed class Segmentation
{
    public Segmentation(TokenGrid grid, int[] segmentOfToken, int segmentCount, TokenGrid? layout = null)
    {
        if (segmentOfToken.Length != grid.Count)
            throw new ArgumentException($"{segmentOfToken.Length} segment ids for {grid.Count} tokens");
        Grid = grid;
        SegmentOfToken = segmentOfToken;
        SegmentCount = segmentCount;
        Layout = layout;
    }

    public TokenGrid Grid { get; }
    public int[] SegmentOfToken { get; }
    public int SegmentCount { get; }
    public TokenGrid? Layout { get; }

    /// <summary>Token ids of every segment, each list in raster order.</summary>
    public List<int>[] TokensOfSegments()
    {
        var tokens = new List<int>[SegmentCount];
        for (int s = 0; s < SegmentCount; s++) tokens[s] = [];
        for (int t = 0; t < SegmentOfToken.Length; t++) tokens[SegmentOfToken[t]].Add(t);
        return tokens;
    }

    public int[] Sizes()
    {
        var sizes = new int[SegmentCount];
        foreach (int s in SegmentOfToken) sizes[s]++;
        return sizes;
    }
}
