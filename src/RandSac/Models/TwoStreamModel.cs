using RandSac.Tokens;
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

    public override PretrainOutput Forward(Tensor images, PretrainBatchInputs inputs, bool normPixLoss)
    {
        var plan = inputs.RequirePlan("two-stream");
        RequireGrid(plan);
        using var scope = NewDisposeScope();
        var patches = PatchesOf(images);
        var prediction = Predict(ForCompute(patches), plan.EncoderTokens, plan.DecoderTokens, plan.EncoderMask, plan.CrossMask);
        var target = PixelLoss.Targets(patches, plan.DecoderTokens, normPixLoss);
        prediction = PixelLoss.InLossType(prediction, target);
        var loss = PixelLoss.Mean(prediction, target, plan.DecoderValid);
        return new PretrainOutput(loss.MoveToOuterDisposeScope(), prediction.MoveToOuterDisposeScope(),
            plan.DecoderTokens, plan.DecoderValid);
    }

    /// <summary>Predictions (B, Ld, P·P·C) for the decoder tokens from raster patches (B, N, P·P·C).</summary>
    public Tensor Predict(Tensor patches, Tensor encoderTokens, Tensor decoderTokens, Tensor? encoderMask, Tensor? crossMask)
    {
        using var scope = NewDisposeScope();
        Tensor? content = encoder.Embed(patches, encoderTokens);
        var query = encoder.GatherPositions(decoderTokens, patches);
        var blocks = encoder.Blocks;
        for (int i = 0; i < blocks.Count; i++)
            (content, query) = blocks[i].ForwardTwoStream(content!, query, encoderMask, crossMask,
                updateContent: i < blocks.Count - 1);
        return decoder_pred.forward(encoder.Norm(query)).MoveToOuterDisposeScope();
    }
}
