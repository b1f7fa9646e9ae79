using RandSac.Data;
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

    /// <summary>
    /// The plan of images <paramref name="firstPosition"/> … <paramref name="firstPosition"/> +
    /// <paramref name="count"/> − 1 of a batch: each image's draws depend only on
    /// <paramref name="seed"/> and its position, so a slice of a batch gets the whole batch's plans.
    /// </summary>
    public SegmentPlan SampleBatch(int count, int seed, int firstPosition = 0)
    {
        var images = new ImagePlan[count];
        for (int i = 0; i < count; i++) images[i] = SampleImage(ImageRandom(seed, firstPosition + i));
        return SegmentPlanBuilder.Build(images);
    }

    /// <summary>The generator of the image at <paramref name="position"/> of a batch drawn from <paramref name="seed"/>.</summary>
    public static Random ImageRandom(int seed, int position) => new((int)SeededRandom.Derive(seed, position));
}
