using RandSac.Tokens;
using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>The pixel regression loss of every pre-trainer.</summary>
public static class PixelLoss
{
    /// <summary>
    /// Targets for the given tokens: patches (B, N, P·P·C), tokens (B, Lt) → (B, Lt, P·P·C),
    /// each patch normalised to zero mean and unit variance when <paramref name="normPix"/>.
    /// </summary>
    public static Tensor Targets(Tensor patches, Tensor tokens, bool normPix)
    {
        using var scope = NewDisposeScope();
        var target = TokenGather.Rows(patches, tokens);
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
        var perToken = (prediction - target).square().mean([-1L]);
        var loss = valid is null
            ? perToken.mean()
            : where(valid, perToken, zeros_like(perToken)).sum() / valid.sum().clamp_min(1).to_type(perToken.dtype);
        return loss.MoveToOuterDisposeScope();
    }
}
