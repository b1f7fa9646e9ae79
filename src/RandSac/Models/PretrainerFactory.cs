using RandSac.Plans;

namespace RandSac.Models;

/// <summary>Builds pre-trainers and their batch-input samplers from options.</summary>
public static class PretrainerFactory
{
    /// <summary>A new model, initialised from torch's global generator (seed it first).</summary>
    public static Pretrainer Create(PretrainOptions options) => options.Method switch
    {
        PretrainMethod.RandSac => new RandSacModel(options.Encoder, options.Decoder, options.Skip),
        PretrainMethod.TwoStream => new TwoStreamModel(options.TrainedEncoder),
        PretrainMethod.Mae => new MaeModel(options.Encoder, options.Decoder),
        _ => throw new ArgumentOutOfRangeException(nameof(options)),
    };

    /// <summary>
    /// The sampler of per-batch inputs: MAE masks, or segment plans from the given segments and
    /// order specs (e.g. "square:2", "hier:4").
    /// </summary>
    public static IBatchInputSampler CreateInputSampler(PretrainOptions options, string segments = "square:2",
        string order = "hier:4") =>
        options.Method.UsesSegmentPlan()
            ? new SegmentPlanInputSampler(PlanSampler.Parse(segments, order, options.Encoder.Grid))
            : new MaeMaskSampler(options.Encoder.TokenCount, options.MaskRatio);
}
