using RandSac.Segments;

namespace RandSac.Tests.Segments;

public class SegmenterTests
{
    static readonly TokenGrid Grid = new(8, 8);

    public static TheoryData<string> AllSpecs => ["patch", "square:2", "square:4", "blob:7", "blob:11", "shuffled:7"];

    [Theory]
    [MemberData(nameof(AllSpecs))]
    public void EveryTokenIsInExactlyOneNonEmptySegment(string spec)
    {
        var segmenter = SegmenterSpec.Parse(spec);
        var random = new Random(3);
        for (int draw = 0; draw < 50; draw++)
        {
            var s = segmenter.Sample(Grid, random);
            Assert.Equal(Grid.Count, s.SegmentOfToken.Length);
            Assert.All(s.SegmentOfToken, id => Assert.InRange(id, 0, s.SegmentCount - 1));
            var tokens = s.TokensOfSegments();
            Assert.All(tokens, t => Assert.NotEmpty(t));
            Assert.Equal(Enumerable.Range(0, Grid.Count), tokens.SelectMany(t => t).Order());
        }
    }

    [Fact]
    public void SquaresAreMByMBlocksInRasterOrder()
    {
        var s = new SquareSegmenter(2).Sample(new TokenGrid(4, 4), new Random(0));
        Assert.Equal(4, s.SegmentCount);
        Assert.Equal(new TokenGrid(2, 2), s.Layout);
        int[][] expected = [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]];
        Assert.Equal(expected, s.TokensOfSegments().Select(t => t.ToArray()));
    }

    [Fact]
    public void PatchSegmentsAreSingleTokens()
    {
        var s = SegmenterSpec.Parse("patch").Sample(Grid, new Random(0));
        Assert.Equal(64, s.SegmentCount);
        Assert.Equal(Enumerable.Range(0, 64), s.SegmentOfToken);
    }

    [Fact]
    public void SquareSideMustDivideTheGrid()
    {
        var error = Assert.Throws<ArgumentException>(() => new SquareSegmenter(3).Sample(Grid, new Random(0)));
        Assert.Contains("does not divide the 8×8 token grid", error.Message);
    }

    [Fact]
    public void BlobSizesVaryAndSumToTheTokenCount()
    {
        var segmenter = new BlobSegmenter(7);
        var random = new Random(5);
        var counts = new HashSet<int>();
        var sizeSets = new HashSet<string>();
        for (int draw = 0; draw < 100; draw++)
        {
            var s = segmenter.Sample(Grid, random);
            var sizes = s.Sizes();
            Assert.Equal(Grid.Count, sizes.Sum());
            Assert.InRange(s.SegmentCount, 1, 7);
            Assert.True(sizes.Distinct().Count() > 1 || s.SegmentCount == 1);
            counts.Add(s.SegmentCount);
            sizeSets.Add(string.Join(",", sizes.Order()));
        }
        Assert.True(sizeSets.Count > 90, "blob draws should almost never repeat their sizes");
        Assert.Contains(7, counts);
    }

    [Fact]
    public void BlobsAreSpatiallyCoherentAndShuffledSegmentsAreNot()
    {
        // The same seed gives the shuffled segmenter the same blob draw before it shuffles.
        var blobs = new BlobSegmenter(7);
        var shuffled = new ShuffledSegmenter(7);
        double blobAdjacency = 0, shuffledAdjacency = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var b = blobs.Sample(Grid, new Random(seed));
            var s = shuffled.Sample(Grid, new Random(seed));
            Assert.Equal(b.Sizes().Order(), s.Sizes().Order());
            blobAdjacency += SameSegmentNeighbourFraction(b);
            shuffledAdjacency += SameSegmentNeighbourFraction(s);
        }
        Assert.True(blobAdjacency / 40 > 0.6, $"blob neighbours share a segment {blobAdjacency / 40:P0} of the time");
        Assert.True(shuffledAdjacency / 40 < 0.3, $"shuffled neighbours share a segment {shuffledAdjacency / 40:P0} of the time");
    }

    static double SameSegmentNeighbourFraction(Segmentation s)
    {
        int same = 0, pairs = 0;
        for (int r = 0; r < s.Grid.Rows; r++)
            for (int c = 0; c < s.Grid.Cols; c++)
            {
                int t = r * s.Grid.Cols + c;
                if (c + 1 < s.Grid.Cols) { pairs++; same += s.SegmentOfToken[t] == s.SegmentOfToken[t + 1] ? 1 : 0; }
                if (r + 1 < s.Grid.Rows) { pairs++; same += s.SegmentOfToken[t] == s.SegmentOfToken[t + s.Grid.Cols] ? 1 : 0; }
            }
        return (double)same / pairs;
    }

    [Theory]
    [InlineData("blob:7")]
    [InlineData("shuffled:11")]
    public void SeededDrawsRepeatAndDifferentSeedsDiffer(string spec)
    {
        var segmenter = SegmenterSpec.Parse(spec);
        var a = segmenter.Sample(Grid, new Random(42)).SegmentOfToken;
        var b = segmenter.Sample(Grid, new Random(42)).SegmentOfToken;
        var c = segmenter.Sample(Grid, new Random(43)).SegmentOfToken;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData("square", "missing ':N'")]
    [InlineData("square:0", "'0' is not a positive whole number")]
    [InlineData("blob:x", "'x' is not a positive whole number")]
    [InlineData("blob:1", "blob:K needs K ≥ 2")]
    [InlineData("circle:3", "unknown kind 'circle'")]
    public void BadSpecsAreRejectedWithTheirReason(string spec, string reason)
    {
        var error = Assert.Throws<FormatException>(() => SegmenterSpec.Parse(spec));
        Assert.Contains($"segments '{spec}'", error.Message);
        Assert.Contains(reason, error.Message);
    }
}
