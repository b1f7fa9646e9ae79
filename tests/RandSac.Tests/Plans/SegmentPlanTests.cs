using RandSac.Orders;
using RandSac.Plans;
using RandSac.Segments;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Tests.Plans;

public class SegmentPlanTests
{
    static ImagePlan Plan(TokenGrid grid, int[] segmentOf, int segments, int[] sequence) =>
        new(new Segmentation(grid, segmentOf, segments), new SegmentOrdering(sequence));

    static bool[,] Matrix(Tensor mask, int image)
    {
        var m = mask[mask.shape[0] == 1 ? 0 : image, 0];
        var result = new bool[m.shape[0], m.shape[1]];
        for (int i = 0; i < m.shape[0]; i++)
            for (int j = 0; j < m.shape[1]; j++)
                result[i, j] = m[i, j].item<bool>();
        return result;
    }

    static bool[,] B(params string[] rows)
    {
        var result = new bool[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++)
                result[i, j] = rows[i][j] == '1';
        return result;
    }

    static long[] Row(Tensor t, int image) => t[image].data<long>().ToArray();

    [Fact]
    public void TwoByTwoPatchesInAGivenOrder()
    {
        // Every token its own segment; order: token 1, 3, 0, 2.
        var plan = Plan(new TokenGrid(2, 2), [0, 1, 2, 3], 4, [1, 3, 0, 2]);
        Assert.Equal([2, 0, 3, 1], plan.RankOfToken);
        using var batch = SegmentPlanBuilder.Build([plan]);
        Assert.Equal([1L, 3, 0], Row(batch.EncoderTokens, 0));
        Assert.Equal([3L, 0, 2], Row(batch.DecoderTokens, 0));
        Assert.Equal(B("100", "110", "111"), Matrix(batch.EncoderMask, 0));
        Assert.Equal(B("100", "110", "111"), Matrix(batch.DecoderSelfMask, 0));
        // Query ranks 1,2,3 see encoder ranks 0,1,2 strictly below their own.
        Assert.Equal(B("100", "110", "111"), Matrix(batch.CrossMask, 0));
        Assert.True(batch.SharesMasks);
        Assert.Null(batch.DecoderValid);
    }

    [Fact]
    public void FourByFourSquaresInAGivenOrder()
    {
        var segmentation = new SquareSegmenter(2).Sample(new TokenGrid(4, 4), new Random(0));
        var plan = new ImagePlan(segmentation, new SegmentOrdering([2, 0, 3, 1]));
        Assert.Equal([8, 9, 12, 13, 0, 1, 4, 5, 10, 11, 14, 15, 2, 3, 6, 7], plan.Sequence);
        using var batch = SegmentPlanBuilder.Build([plan, plan]);
        Assert.Equal([8L, 9, 12, 13, 0, 1, 4, 5, 10, 11, 14, 15], Row(batch.EncoderTokens, 1));
        Assert.Equal([0L, 1, 4, 5, 10, 11, 14, 15, 2, 3, 6, 7], Row(batch.DecoderTokens, 1));
        var blockLower = B(
            "111100000000", "111100000000", "111100000000", "111100000000",
            "111111110000", "111111110000", "111111110000", "111111110000",
            "111111111111", "111111111111", "111111111111", "111111111111");
        Assert.Equal(blockLower, Matrix(batch.EncoderMask, 0));
        Assert.Equal(blockLower, Matrix(batch.DecoderSelfMask, 0));
        // Targets of rank 1 (queries 0-3) see encoder rank 0 (keys 0-3); rank 2 sees ranks 0-1; rank 3 sees 0-2.
        Assert.Equal(blockLower, Matrix(batch.CrossMask, 0));
        Assert.Equal(1, batch.EncoderMask.shape[0]);
    }

    [Fact]
    public void RaggedBlobsArePaddedAndPadsAreMasked()
    {
        var grid = new TokenGrid(2, 2);
        // Image A: segments {0,1}, {2}, {3}, ordered 1, 0, 2 → ranks 1,1,0,2.
        var a = Plan(grid, [0, 0, 1, 2], 3, [1, 0, 2]);
        // Image B: segments {0}, {1,2,3}, ordered 1, 0 → ranks 1,0,0,0.
        var b = Plan(grid, [0, 1, 1, 1], 2, [1, 0]);
        using var batch = SegmentPlanBuilder.Build([a, b]);
        Assert.False(batch.SharesMasks);

        Assert.Equal([2L, 0, 1], Row(batch.EncoderTokens, 0));
        Assert.Equal([0L, 1, 1], Row(batch.EncoderRanks, 0));
        Assert.Equal([0L, 1, 3], Row(batch.DecoderTokens, 0));
        Assert.Equal([1L, 1, 2], Row(batch.DecoderRanks, 0));
        Assert.Equal([1L, 2, 3], Row(batch.EncoderTokens, 1));
        Assert.Equal([0L, 0, 0], Row(batch.DecoderTokens, 1));
        Assert.Equal([1L, -1, -1], Row(batch.DecoderRanks, 1));

        Assert.Equal(B("100", "111", "111"), Matrix(batch.EncoderMask, 0));
        Assert.Equal(B("111", "111", "111"), Matrix(batch.EncoderMask, 1));
        Assert.Equal(B("110", "110", "111"), Matrix(batch.DecoderSelfMask, 0));
        Assert.Equal(B("100", "100", "100"), Matrix(batch.DecoderSelfMask, 1));
        Assert.Equal(B("100", "100", "111"), Matrix(batch.CrossMask, 0));
        Assert.Equal(B("111", "100", "100"), Matrix(batch.CrossMask, 1));

        Assert.Equal([true, true, true, true, true, true], batch.EncoderValid!.data<bool>().ToArray());
        Assert.Equal([true, true, true, true, false, false], batch.DecoderValid!.data<bool>().ToArray());
    }

    public static TheoryData<string, string> Configs => new()
    {
        { "square:2", "hier:4" }, { "square:2", "random" }, { "patch", "raster" },
        { "blob:7", "random" }, { "blob:11", "hier:5" }, { "shuffled:7", "random" },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void SampledMasksFollowTheRankRuleAndNoRowIsEmpty(string segments, string order)
    {
        var sampler = PlanSampler.Parse(segments, order, new TokenGrid(8, 8));
        using var plan = sampler.SampleBatch(6, seed: 9);
        for (int image = 0; image < 6; image++)
        {
            var ranks = plan.Images[image].RankOfToken;
            var enc = Row(plan.EncoderTokens, image);
            var dec = Row(plan.DecoderTokens, image);
            var encRanks = Row(plan.EncoderRanks, image);
            var decRanks = Row(plan.DecoderRanks, image);
            Check(Matrix(plan.EncoderMask, image), encRanks, encRanks, (q, k) => k <= q);
            Check(Matrix(plan.DecoderSelfMask, image), decRanks, decRanks, (q, k) => k <= q);
            Check(Matrix(plan.CrossMask, image), decRanks, encRanks, (q, k) => k < q);
            for (int i = 0; i < enc.Length; i++)
                if (encRanks[i] >= 0) Assert.Equal(ranks[enc[i]], encRanks[i]);
            Assert.DoesNotContain(decRanks, r => r == 0);
            Assert.DoesNotContain(encRanks, r => r == plan.Images[image].SegmentCount - 1);
            // Real entries: every token but the last segment's, and every token but the first's.
            Assert.Equal(64 - plan.Images[image].LastSegmentSize, encRanks.Count(r => r >= 0));
            Assert.Equal(64 - plan.Images[image].FirstSegmentSize, decRanks.Count(r => r >= 0));
        }
    }

    static void Check(bool[,] mask, long[] queryRanks, long[] keyRanks, Func<long, long, bool> rule)
    {
        for (int q = 0; q < queryRanks.Length; q++)
        {
            bool any = false;
            for (int k = 0; k < keyRanks.Length; k++)
            {
                bool expected = queryRanks[q] < 0 ? k == 0 : keyRanks[k] >= 0 && rule(queryRanks[q], keyRanks[k]);
                Assert.Equal(expected, mask[q, k]);
                any |= mask[q, k];
            }
            Assert.True(any, $"row {q} is fully masked");
        }
    }

    [Fact]
    public void SquaresShareOneMaskAcrossTheBatchAndBlobsDoNot()
    {
        var grid = new TokenGrid(8, 8);
        using var squares = PlanSampler.Parse("square:2", "hier:4", grid).SampleBatch(8, seed: 1);
        using var blobs = PlanSampler.Parse("blob:7", "random", grid).SampleBatch(8, seed: 1);
        Assert.Equal(new long[] { 1, 1, 60, 60 }, squares.EncoderMask.shape);
        Assert.Equal(new long[] { 1, 1, 60, 60 }, squares.CrossMask.shape);
        Assert.Equal(8, blobs.EncoderMask.shape[0]);
        Assert.NotNull(blobs.DecoderValid);
    }

    [Fact]
    public void SeededBatchesRepeatAndDifferentSeedsDiffer()
    {
        var sampler = PlanSampler.Parse("blob:7", "hier:3", new TokenGrid(8, 8));
        using var a = sampler.SampleBatch(4, seed: 5);
        using var b = sampler.SampleBatch(4, seed: 5);
        using var c = sampler.SampleBatch(4, seed: 6);
        Assert.True(TensorAssert.Same(a.EncoderTokens, b.EncoderTokens) && TensorAssert.Same(a.CrossMask, b.CrossMask));
        Assert.False(TensorAssert.Same(a.EncoderTokens, c.EncoderTokens));
    }
}
