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

    public static TheoryData<string, string, int[]> Hierarchies => new()
    {
        { "square:2", "hier:4", [16, 4] },
        { "patch", "hier:16,4", [64, 16, 4] },
        { "blob:11", "hier:5", [11, 5] },
        { "blob:11", "hier:5,2", [11, 5, 2] },
        { "shuffled:11", "hier:5", [11, 5] },
    };

    [Theory]
    [MemberData(nameof(Hierarchies))]
    public void EveryPartitionIsContiguousAtEveryLevel(string segments, string orderSpec, int[] maxCounts)
    {
        var sampler = PlanSampler.Parse(segments, orderSpec, Grid);
        var random = new Random(11);
        for (int draw = 0; draw < 100; draw++)
        {
            var plan = sampler.SampleImage(random);
            var order = plan.Ordering;
            Assert.Equal(Enumerable.Range(0, plan.SegmentCount), order.Sequence.Order());
            Assert.InRange(plan.SegmentCount, 2, maxCounts[0]);
            Assert.Equal(maxCounts.Length - 1, order.PartitionsOfSegment.Count);
            for (int level = 0; level < order.PartitionsOfSegment.Count; level++)
            {
                var partition = order.PartitionsOfSegment[level];
                Assert.InRange(partition.Distinct().Count(), 1, maxCounts[level + 1]);
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
