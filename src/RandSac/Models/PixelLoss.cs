using RandSac.Platform;
using RandSac.Tokens;
using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>The pixel regression loss of every pre-trainer.</summary>
public static class PixelLoss
{
    /// <summary>
    /// The dtype a loss is reduced in: float32, or float64 for float64 targets — never a
    /// reduced precision, whatever the model computed in.
    /// </summary>
    public static ScalarType LossType(Tensor target) => target.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>A prediction cast to the loss dtype of <paramref name="target"/> (the same tensor when it already is).</summary>
    public static Tensor InLossType(Tensor prediction, Tensor target)
    {
        var type = LossType(target);
        return prediction.dtype == type ? prediction : prediction.to(type);
    }

    /// <summary>
    /// Targets for the given tokens: patches (B, N, P·P·C), tokens (B, Lt) → (B, Lt, P·P·C),
    /// each patch normalised to zero mean and unit variance when <paramref name="normPix"/>.
    /// </summary>
    public static Tensor Targets(Tensor patches, Tensor tokens, bool normPix)
    {
        using var scope = NewDisposeScope();
        var target = TokenGather.Rows(patches, tokens);
        if (target.dtype != LossType(target)) target = target.to(LossType(target));
        if (normPix) target = Patches.NormalisePerPatch(target);
        return target.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Squared error averaged over each token's values, then over the valid tokens:
    /// prediction and target (B, Lt, F), valid (B, Lt) bool or null when every token counts.
    /// </summary>
    public static Tensor Mean(Tensor prediction, Tensor target, Tensor? valid)
    {
        using var scope = NewDisposeScope();
        prediction = InLossType(prediction, target);
        target = InLossType(target, target);
        var perToken = (prediction - target).square().mean([-1L]);
        var loss = valid is null
            ? perToken.mean()
            : where(valid, perToken, zeros_like(perToken)).sum() / valid.sum().clamp_min(HeldScalars.One).to_type(perToken.dtype);
        return loss.MoveToOuterDisposeScope();
    }
}
