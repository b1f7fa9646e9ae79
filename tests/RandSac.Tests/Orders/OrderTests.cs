using RandSac.Orders;
using RandSac.Plans;
using RandSac.Segments;

namespace RandSac.Tests.Orders;

public class OrderTests
{
    static readonly TokenGrid Grid = new(8, 8);

    [Fact]
    public void RasterOrdersSegmentsByTheirFirstToken()
    {
        // Segments 0..2 whose first tokens are 2, 0 and 1.
        var s = new Segmentation(new TokenGrid(2, 2), [1, 2, 0, 0], 3);
        Assert.Equal([1, 2, 0], new RasterOrder().Sample(s, new Random(0)).Sequence);
    }

    [Fact]
    public void RandomOrderIsAPermutationThatVaries()
    {
        var s = new SquareSegmenter(2).Sample(Grid, new Random(0));
        var random = new Random(1);
        var seen = new HashSet<string>();
        var firsts = new HashSet<int>();
        for (int i = 0; i < 200; i++)
        {
            var order = new RandomOrder().Sample(s, random);
            Assert.Equal(Enumerable.Range(0, 16), order.Sequence.Order());
            seen.Add(string.Join(",", order.Sequence));
            firsts.Add(order.Sequence[0]);
        }
        Assert.Equal(200, seen.Count);
        Assert.Equal(16, firsts.Count);
    }

    [Fact]
    public void HierarchicalSquaresGroupTwoByTwoBlocksOfSegments()
    {
        // square:2 on 8×8 tokens: 4×4 segments → hier:4 → 4 partitions of 2×2 segments (16→4).
        var s = new SquareSegmenter(2).Sample(Grid, new Random(0));
        var order = new HierarchicalOrder([4]).Sample(s, new Random(7));
        var partition = order.PartitionsOfSegment[0];
        Assert.Equal([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3], partition);
        AssertContiguous(order.Sequence, partition);
    }

    [Fact]
    public void HierarchicalOrdersCoverEveryInnerPermutation()
    {
        var s = new SquareSegmenter(2).Sample(new TokenGrid(4, 4), new Random(0));
        var order = new HierarchicalOrder([1]);
        var random = new Random(2);
        var seen = new HashSet<string>();
        for (int i = 0; i < 2000; i++) seen.Add(string.Join(",", order.Sample(s, random).Sequence));
        Assert.Equal(24, seen.Count);
    }

    public static TheoryData<string, string, int> Hierarchies => new()
    {
        { "square:2", "hier:4", 100 },
        { "patch", "hier:16,4", 100 },
        { "blob:11", "hier:5", 20_000 },
        { "blob:7", "hier:3", 20_000 },
        { "blob:7", "hier:3,2", 20_000 },
        { "blob:11", "hier:5,2", 20_000 },
        { "shuffled:11", "hier:5", 2_000 },
    };

    [Theory]
    [MemberData(nameof(Hierarchies))]
    public void EveryLevelHasExactlyItsPartitionCountAndEveryPartitionIsContiguous(string segments, string orderSpec, int draws)
    {
        var sampler = PlanSampler.Parse(segments, orderSpec, Grid);
        var counts = ((HierarchicalOrder)sampler.Order).PartitionCounts;
        var random = new Random(11);
        for (int draw = 0; draw < draws; draw++)
        {
            var plan = sampler.SampleImage(random);
            var order = plan.Ordering;
            Assert.Equal(Enumerable.Range(0, plan.SegmentCount), order.Sequence.Order());
            Assert.Equal(counts.Length, order.PartitionsOfSegment.Count);
            int units = plan.SegmentCount;
            for (int level = 0; level < counts.Length; level++)
            {
                // One partition id per segment; ids 0..K-1 all used, so no partition is empty.
                var partition = order.PartitionsOfSegment[level];
                Assert.Equal(plan.SegmentCount, partition.Length);
                units = Math.Min(counts[level], units);
                Assert.Equal(Enumerable.Range(0, units), partition.Distinct().Order());
                AssertContiguous(order.Sequence, partition);
                // A finer partition never straddles two coarser ones.
                if (level > 0)
                {
                    var finer = order.PartitionsOfSegment[level - 1];
                    foreach (var group in Enumerable.Range(0, partition.Length).GroupBy(seg => finer[seg]))
                        Assert.Single(group.Select(seg => partition[seg]).Distinct());
                }
            }
        }
    }

    [Theory]
    [InlineData("blob:7", "hier:3,2")]
    [InlineData("blob:11", "hier:5,2")]
    public void BlobHierarchiesNeverFailToDraw(string segments, string orderSpec)
    {
        // These specs used to throw on 1.2 % and 0.004 % of images when a level had fewer units than asked for.
        var sampler = PlanSampler.Parse(segments, orderSpec, Grid);
        var random = new Random(3);
        for (int draw = 0; draw < 100_000; draw++)
        {
            var segmentation = sampler.Segmenter.Sample(Grid, random);
            var order = sampler.Order.Sample(segmentation, random);
            Assert.Equal(segmentation.SegmentCount, order.Sequence.Length);
        }
    }

    [Fact]
    public void FewerSegmentsThanPartitionsMakesEverySegmentItsOwnPartition()
    {
        // Two blob segments (no layout) under hier:3,2: two partitions at both levels.
        var s = new Segmentation(new TokenGrid(2, 2), [0, 0, 1, 1], 2);
        var order = new HierarchicalOrder([3, 2]).Sample(s, new Random(0));
        Assert.Equal([0, 1], order.PartitionsOfSegment[0]);
        Assert.Equal([0, 1], order.PartitionsOfSegment[1]);
    }

    [Fact]
    public void BlobGroupingThatRarelyFillsEveryComponentStillGivesExactlyK()
    {
        // 64 one-token segments into 60 partitions: a 60-component draw almost never leaves
        // no component empty, so this goes through the split of the largest partition.
        var grid = new TokenGrid(8, 8);
        var s = new Segmentation(grid, [.. Enumerable.Range(0, 64)], 64);
        var random = new Random(5);
        for (int draw = 0; draw < 20; draw++)
        {
            var order = new HierarchicalOrder([60]).Sample(s, random);
            var partition = order.PartitionsOfSegment[0];
            Assert.Equal(Enumerable.Range(0, 60), partition.Distinct().Order());
            AssertContiguous(order.Sequence, partition);
        }
    }

    [Theory]
    [InlineData("blob:11", "hier:5,2")]
    [InlineData("blob:7", "hier:3")]
    public void TheSameSeedGivesTheSamePlan(string segments, string orderSpec)
    {
        var sampler = PlanSampler.Parse(segments, orderSpec, Grid);
        for (int seed = 0; seed < 50; seed++)
        {
            var a = sampler.SampleImage(new Random(seed)).Ordering;
            var b = sampler.SampleImage(new Random(seed)).Ordering;
            Assert.Equal(a.Sequence, b.Sequence);
            Assert.Equal(a.PartitionsOfSegment, b.PartitionsOfSegment);
        }
    }

    [Fact]
    public void SquareHierarchiesMatchThePaper()
    {
        var patch = PlanSampler.Parse("patch", "hier:16,4", Grid).SampleImage(new Random(0)).Ordering;
        Assert.Equal(16, patch.PartitionsOfSegment[0].Distinct().Count());
        Assert.Equal(4, patch.PartitionsOfSegment[1].Distinct().Count());
        // Level 2 partitions of patches are the 4×4-token quadrants.
        Assert.Equal(patch.PartitionsOfSegment[1][0], patch.PartitionsOfSegment[1][3 * 8 + 3]);
        Assert.NotEqual(patch.PartitionsOfSegment[1][0], patch.PartitionsOfSegment[1][4]);
    }

    static void AssertContiguous(int[] sequence, int[] partitionOfSegment)
    {
        var finished = new HashSet<int>();
        int current = -1;
        foreach (int segment in sequence)
        {
            int p = partitionOfSegment[segment];
            if (p == current) continue;
            Assert.True(finished.Add(p), $"partition {p} appears in two runs of {string.Join(",", sequence)}");
            current = p;
        }
    }

    [Theory]
    [InlineData("spiral", "unknown order")]
    [InlineData("hier:", "'' is not a positive whole number")]
    [InlineData("hier:4,16", "must decrease")]
    [InlineData("hier:0", "'0' is not a positive whole number")]
    public void BadOrderSpecsAreRejected(string spec, string reason)
    {
        var error = Assert.Throws<FormatException>(() => OrderSpec.Parse(spec));
        Assert.Contains($"order '{spec}'", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void SquareHierarchiesThatDoNotTileAreRejectedUpFront()
    {
        var error = Assert.Throws<FormatException>(() => PlanSampler.Parse("square:2", "hier:3", Grid));
        Assert.Contains("cannot group a 4×4 grid of square segments into 3 equal square partitions", error.Message);
    }
}
