using RandSac.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Tokens;

/// <summary>
/// Cuts images into patch tokens and back, in MAE's layout: tokens in raster order,
/// each token's values ordered (row in patch, column in patch, channel), so weights and
/// targets line up with MAE and timm.
/// </summary>
public static class Patches
{
    /// <summary>(B, C, H, W) → (B, N, P·P·C) with N = (H/P)(W/P).</summary>
    public static Tensor Patchify(Tensor images, int patchSize)
    {
        var (batch, channels, height, width) = Dimensions(images);
        RequireDivisible(height, width, patchSize);
        long rows = height / patchSize, cols = width / patchSize;
        return images
            .reshape(batch, channels, rows, patchSize, cols, patchSize)
            .permute(0, 2, 4, 3, 5, 1)
            .reshape(batch, rows * cols, patchSize * patchSize * channels);
    }

    /// <summary>(B, N, P·P·C) → (B, C, H, W); the inverse of <see cref="Patchify"/>.</summary>
    public static Tensor Unpatchify(Tensor patches, int patchSize, int channels, int height, int width)
    {
        RequireDivisible(height, width, patchSize);
        long rows = height / patchSize, cols = width / patchSize;
        long batch = patches.shape[0];
        if (patches.shape[1] != rows * cols || patches.shape[2] != patchSize * patchSize * channels)
            throw new ArgumentException(
                $"patch tensor of shape [{string.Join(", ", patches.shape)}] does not fit {channels}×{height}×{width} images with patch {patchSize}");
        return patches
            .reshape(batch, rows, cols, patchSize, patchSize, channels)
            .permute(0, 5, 1, 3, 2, 4)
            .reshape(batch, channels, height, width);
    }

    /// <summary>The ε of MAE's norm_pix_loss: (t − mean) / sqrt(var + ε).</summary>
    public const double NormPixEps = 1e-6;

    /// <summary>
    /// Per-patch normalisation of targets (MAE's norm_pix_loss): (t − mean) / sqrt(var + 1e-6)
    /// over each patch's values, with the unbiased variance (÷ n−1) as MAE's
    /// <c>target.var(dim=-1)</c>.
    /// </summary>
    public static Tensor NormalisePerPatch(Tensor patches)
    {
        using var scope = NewDisposeScope();
        var (mean, std) = Statistics(patches);
        return ((patches - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The inverse of <see cref="NormalisePerPatch"/>: maps normalised predictions back to pixels
    /// with the mean and sqrt(var + 1e-6) of the target patches they stand for (same shape).
    /// </summary>
    public static Tensor UnnormalisePerPatch(Tensor normalised, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var (mean, std) = Statistics(targets);
        return (normalised * std).Plus(mean).MoveToOuterDisposeScope();
    }

    static (Tensor Mean, Tensor Std) Statistics(Tensor patches)
    {
        if (patches.shape[^1] < 2)
            throw new ArgumentException("norm-pix loss needs patches of at least 2 values (the unbiased variance of one value is undefined)");
        var mean = patches.mean([-1L], keepdim: true);
        var variance = patches.var(-1L, unbiased: true, keepdim: true);
        using var eps = NormPixEps.ToScalar();
        return (mean, variance.add(eps).sqrt());
    }

    static (long, long, long, long) Dimensions(Tensor images)
    {
        if (images.dim() != 4)
            throw new ArgumentException($"expected images of shape (B, C, H, W), got [{string.Join(", ", images.shape)}]");
        return (images.shape[0], images.shape[1], images.shape[2], images.shape[3]);
    }

    static void RequireDivisible(long height, long width, int patchSize)
    {
        if (patchSize <= 0 || height % patchSize != 0 || width % patchSize != 0)
            throw new ArgumentException($"image size {height}×{width} is not divisible by patch size {patchSize}");
    }
}
