using RandSac.Plans;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// The two-stream baseline (XLNet; paper A.3). The content stream is the encoder over the
/// plan's encoder tokens with the encoder mask (r_j ≤ r_i). The query stream starts from the
/// fixed sin-cos positions of the target tokens and, at every layer, with the same block
/// weights, attends only to the content stream's previous-layer states under the cross mask
/// (r_j &lt; r_i). Predictions: the query stream through the encoder's final norm and a pixel
/// head <c>decoder_pred</c> (D → P·P·C). The factory builds the shared stream as deep as
/// encoder + decoder (<see cref="PretrainOptions.TrainedEncoder"/>), as the paper's Table 10.
/// </summary>
public sealed class TwoStreamModel : Pretrainer
{
    readonly VisionTransformer encoder;
    readonly Linear decoder_pred;

    /// <param name="encoderConfig">The shared stream's shape.</param>
    public TwoStreamModel(ViTConfig encoderConfig) : base(nameof(TwoStreamModel))
    {
        encoder = new VisionTransformer(encoderConfig);
        decoder_pred = Linear(encoderConfig.Dim, encoderConfig.PatchDim);
        RegisterComponents();
        WeightInit.InitialiseLikeMae(this, skip: encoder); // the encoder initialised itself
    }

    public override PretrainMethod Method => PretrainMethod.TwoStream;

    public override VisionTransformer Encoder => encoder;

    /// <summary>
    /// images (B, C, H, W) → patches (B, N, P·P·C) → <see cref="ForwardStreams"/> →
    /// <see cref="Pretrainer.ForwardLoss"/> on the plan's decoder tokens. Encoding and decoding are
    /// one pass here: both streams run through the same blocks, layer by layer.
    /// </summary>
    public override PretrainOutput Forward(Tensor images, PretrainBatchInputs inputs, bool normPixLoss)
    {
        var plan = inputs.RequirePlan("two-stream");
        RequireGrid(plan);
        using var scope = NewDisposeScope();
        var patches = PatchesOf(images);
        var prediction = ForwardStreams(ForCompute(patches), plan);
        return ForwardLoss(patches, prediction, plan.DecoderTokens, plan.DecoderValid, normPixLoss).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Both streams through every block: the content stream from the plan's encoder tokens (B, Le, D)
    /// under the encoder mask, the query stream from the sin-cos positions of its decoder tokens
    /// (B, Ld, D) under the cross mask; returns predictions (B, Ld, P·P·C).
    /// </summary>
    public Tensor ForwardStreams(Tensor patches, SegmentPlan plan)
    {
        using var scope = NewDisposeScope();
        Tensor? content = encoder.Embed(patches, plan.EncoderTokens);
        var query = encoder.GatherPositions(plan.DecoderTokens, patches);
        var blocks = encoder.Blocks;
        for (int i = 0; i < blocks.Count; i++)
            (content, query) = blocks[i].ForwardTwoStream(content!, query, plan.EncoderMask, plan.CrossMask,
                updateContent: i < blocks.Count - 1);
        return decoder_pred.forward(encoder.Norm(query)).MoveToOuterDisposeScope();
    }
}
