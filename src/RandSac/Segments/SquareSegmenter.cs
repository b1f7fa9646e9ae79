namespace RandSac.Segments;

/// <summary>
/// M×M blocks of tokens (<c>square:M</c>); <c>patch</c> is M = 1. Segments are numbered in
/// raster order of the block grid, and the result is the same for every image.
/// </summary>
public sealed class SquareSegmenter : ISegmenter
{
    public SquareSegmenter(int side)
    {
        if (side < 1) throw new ArgumentException($"square side must be at least 1, got {side}");
        Side = side;
    }

    public int Side { get; }

    public string Spec => Side == 1 ? "patch" : $"square:{Side}";

    public Segmentation Sample(TokenGrid grid, Random random)
    {
        if (grid.Rows % Side != 0 || grid.Cols % Side != 0)
            throw new ArgumentException(
                $"{Spec}: square side {Side} does not divide the {grid.Rows}×{grid.Cols} token grid");
        var layout = new TokenGrid(grid.Rows / Side, grid.Cols / Side);
        var segmentOf = new int[grid.Count];
        for (int t = 0; t < grid.Count; t++)
            segmentOf[t] = t / grid.Cols / Side * layout.Cols + t % grid.Cols / Side;
        return new Segmentation(grid, segmentOf, layout.Count, layout);
    }
}
