using RandSac.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Mixup and CutMix as timm's <c>Mixup</c> in batch mode (prob 1): each batch is either mixed
/// (λ ~ Beta(α_mixup, α_mixup), x ← λx + (1−λ)·flip(x)) or, with the switch probability,
/// cut-mixed (λ ~ Beta(α_cutmix, α_cutmix), a box of area ≈ (1−λ) pasted from flip(x), then λ
/// corrected to 1 − the box's exact area fraction). Targets are λ·smooth(y) + (1−λ)·smooth(flip(y)),
/// where flip reverses the batch and smooth is one-hot with label smoothing.
/// </summary>
public sealed class Mixup
{
    public Mixup(double mixupAlpha = 0.8, double cutmixAlpha = 1.0, double switchProbability = 0.5,
        double labelSmoothing = 0.1, int classes = 1000)
    {
        if (mixupAlpha < 0 || cutmixAlpha < 0) throw new ArgumentException("mixup and cutmix alphas must not be negative");
        if (switchProbability is < 0 or > 1) throw new ArgumentException($"switch probability must be in [0, 1], got {switchProbability}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        MixupAlpha = mixupAlpha;
        CutmixAlpha = cutmixAlpha;
        SwitchProbability = switchProbability;
        LabelSmoothing = labelSmoothing;
        Classes = classes;
    }

    public double MixupAlpha { get; }
    public double CutmixAlpha { get; }
    public double SwitchProbability { get; }
    public double LabelSmoothing { get; }
    public int Classes { get; }

    /// <summary>What one call did: the weight λ of the original images, and the pasted box for CutMix (rows/cols, end exclusive).</summary>
    public sealed record Draw(double Lambda, bool CutMix, int Top = 0, int Bottom = 0, int Left = 0, int Right = 0);

    /// <summary>
    /// Mixes images (B, C, H, W) in place and returns the soft targets (B, classes) with what was drawn.
    /// With both alphas 0 the images are left alone and the targets are just smoothed.
    /// </summary>
    public (Tensor Targets, Draw Draw) Apply(Tensor images, Tensor labels, SeededRandom random)
    {
        var draw = Sample(random, (int)images.shape[2], (int)images.shape[3]);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            if (draw.CutMix)
            {
                if (draw.Bottom > draw.Top && draw.Right > draw.Left)
                {
                    var rows = TensorIndex.Slice(draw.Top, draw.Bottom);
                    var cols = TensorIndex.Slice(draw.Left, draw.Right);
                    var pasted = images.flip(0)[TensorIndex.Colon, TensorIndex.Colon, rows, cols].clone();
                    images[TensorIndex.Colon, TensorIndex.Colon, rows, cols] = pasted;
                }
            }
            else if (draw.Lambda != 1.0)
            {
                var flipped = images.flip(0);
                using var lambda = draw.Lambda.ToScalar();
                using var rest = (1 - draw.Lambda).ToScalar();
                images.mul_(lambda).add_(flipped, rest);
            }
        }
        var targets = Targets(labels, draw.Lambda);
        return (targets.MoveToOuterDisposeScope(), draw);
    }

    /// <summary>λ·smooth(y) + (1−λ)·smooth(flip(y)).</summary>
    public Tensor Targets(Tensor labels, double lambda)
    {
        using var scope = NewDisposeScope();
        var y1 = SoftTargetLoss.Smoothed(labels, Classes, LabelSmoothing);
        var y2 = SoftTargetLoss.Smoothed(labels.flip(0), Classes, LabelSmoothing);
        using var weight1 = lambda.ToScalar();
        using var weight2 = (1 - lambda).ToScalar();
        return y1.mul(weight1).add_(y2, weight2).MoveToOuterDisposeScope();
    }

    Draw Sample(SeededRandom random, int height, int width)
    {
        bool useCutmix;
        if (MixupAlpha > 0 && CutmixAlpha > 0) useCutmix = random.NextDouble() < SwitchProbability;
        else if (CutmixAlpha > 0) useCutmix = true;
        else if (MixupAlpha > 0) useCutmix = false;
        else return new Draw(1.0, false);

        double lambda = RandomDistributions.Beta(random, useCutmix ? CutmixAlpha : MixupAlpha, useCutmix ? CutmixAlpha : MixupAlpha);
        if (!useCutmix) return new Draw(lambda, false);

        // timm's rand_bbox: a box of side ratio sqrt(1 − λ) centred uniformly, clipped to the image.
        double ratio = Math.Sqrt(1 - lambda);
        int cutH = (int)(height * ratio), cutW = (int)(width * ratio);
        int cy = random.NextInt(height), cx = random.NextInt(width);
        int top = Math.Clamp(cy - cutH / 2, 0, height), bottom = Math.Clamp(cy + cutH / 2, 0, height);
        int left = Math.Clamp(cx - cutW / 2, 0, width), right = Math.Clamp(cx + cutW / 2, 0, width);
        double corrected = 1.0 - (double)(bottom - top) * (right - left) / (height * width);
        return new Draw(corrected, true, top, bottom, left, right);
    }
}
