using RandSac.Plans;
using RandSac.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>
/// A self-supervised pre-training model around a <see cref="VisionTransformer"/> encoder: one
/// forward pass from images and prepared batch inputs to the pixel loss.
/// </summary>
public abstract class Pretrainer : nn.Module
{
    protected Pretrainer(string name) : base(name)
    {
    }

    public abstract PretrainMethod Method { get; }

    /// <summary>The encoder being trained; what evaluation keeps.</summary>
    public abstract VisionTransformer Encoder { get; }

    /// <summary>
    /// images (B, C, H, W), already augmented and normalised; targets are their raster patches.
    /// With <paramref name="normPixLoss"/> each target patch is normalised (MAE's norm_pix_loss).
    /// </summary>
    public abstract PretrainOutput Forward(Tensor images, PretrainBatchInputs inputs, bool normPixLoss);

    /// <summary>
    /// Whether a parameter takes weight decay: matrices and higher do, biases, norms and other
    /// 1-D parameters do not. Subclasses exclude their own special parameters.
    /// </summary>
    public virtual bool UsesWeightDecay(string parameterName, Tensor parameter) => parameter.dim() >= 2;

    /// <summary>
    /// The dtype the model computes in: that of its weights. Images may come in another dtype
    /// (float32 into a bfloat16 working copy): the models cast the patches they feed forward to
    /// this type and build the targets and the loss from the original patches, in float32 at least.
    /// </summary>
    public ScalarType ComputeType => Encoder.PatchEmbedding.Bias.dtype;

    /// <summary>Patches in the compute dtype (the same tensor when it already is).</summary>
    protected Tensor ForCompute(Tensor patches) => patches.dtype == ComputeType ? patches : patches.to(ComputeType);

    /// <summary>The raster patches of images the encoder was built for; throws on any other shape.</summary>
    protected Tensor PatchesOf(Tensor images)
    {
        var config = Encoder.Config;
        if (images.dim() != 4 || images.shape[1] != config.Channels || images.shape[2] != config.ImageHeight
            || images.shape[3] != config.ImageWidth)
            throw new ArgumentException(
                $"expected images (B, {config.Channels}, {config.ImageHeight}, {config.ImageWidth}), got [{string.Join(", ", images.shape)}]");
        return Patches.Patchify(images, config.PatchSize);
    }

    /// <summary>
    /// The pixel loss of every pre-trainer (MAE's <c>forward_loss</c>): the prediction (B, Lt, P·P·C)
    /// of each target token (B, Lt) against that token's patch of <paramref name="patches"/>
    /// (B, N, P·P·C), normalised per patch with <paramref name="normPixLoss"/>, averaged over the
    /// rows <paramref name="valid"/> keeps (B, Lt; null: every row). The returned prediction is
    /// cast to the loss dtype. Tensors live in the caller's dispose scope.
    /// </summary>
    protected static PretrainOutput ForwardLoss(Tensor patches, Tensor prediction, Tensor targetTokens, Tensor? valid,
        bool normPixLoss)
    {
        var target = PixelLoss.Targets(patches, targetTokens, normPixLoss);
        prediction = PixelLoss.InLossType(prediction, target);
        var loss = PixelLoss.Mean(prediction, target, valid);
        return new PretrainOutput(loss, prediction, targetTokens, valid);
    }

    /// <summary>Throws unless the plan was drawn on this encoder's token grid.</summary>
    protected void RequireGrid(SegmentPlan plan)
    {
        int tokens = plan.Images[0].RankOfToken.Length;
        if (tokens != Encoder.Config.TokenCount)
            throw new ArgumentException($"the segment plan is for {tokens} tokens, the encoder has {Encoder.Config.TokenCount}");
    }
}
