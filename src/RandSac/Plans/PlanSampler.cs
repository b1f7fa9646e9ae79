using RandSac.Orders;
using RandSac.Segments;

namespace RandSac.Plans;

/// <summary>Samples segment plans: a segmenter and an order over one token grid.</summary>
public sealed class PlanSampler(ISegmenter segmenter, ISegmentOrder order, TokenGrid grid)
{
    public ISegmenter Segmenter { get; } = segmenter;
    public ISegmentOrder Order { get; } = order;
    public TokenGrid Grid { get; } = grid;

    public static PlanSampler Parse(string segments, string order, TokenGrid grid)
    {
        var sampler = new PlanSampler(SegmenterSpec.Parse(segments), OrderSpec.Parse(order), grid);
        // Fail now, with the spec in the message, rather than on the loader thread.
        try
        {
            sampler.SampleImage(new Random(0));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"segments '{segments}' with order '{order}' on a {grid.Rows}×{grid.Cols} token grid: {e.Message}");
        }
        return sampler;
    }

    /// <summary>
    /// One image's plan. A blob draw can (rarely) put every token in one segment, which
    /// leaves nothing to predict from; such draws are redrawn.
    /// </summary>
    public ImagePlan SampleImage(Random random)
    {
        const int attempts = 100;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            var segmentation = Segmenter.Sample(Grid, random);
            if (segmentation.SegmentCount >= 2) return new ImagePlan(segmentation, Order.Sample(segmentation, random));
        }
        throw new ArgumentException($"{Segmenter.Spec} gave a single segment {attempts} times in a row");
    }

    /// <summary>A batch plan whose draws depend only on <paramref name="seed"/>.</summary>
    public SegmentPlan SampleBatch(int batchSize, int seed)
    {
        var random = new Random(seed);
        var images = new ImagePlan[batchSize];
        for (int i = 0; i < batchSize; i++) images[i] = SampleImage(random);
        return SegmentPlanBuilder.Build(images);
    }
}
