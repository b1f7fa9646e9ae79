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
    /// 1-D parameters do not (spec §7). Subclasses exclude their own special parameters.
    /// </summary>
    public virtual bool UsesWeightDecay(string parameterName, Tensor parameter) => parameter.dim() >= 2;
}
