using static TorchSharp.torch;

namespace RandSac.IO;

/// <summary>
/// A learned position embedding moved to another token grid as timm's
/// <c>resample_abs_pos_embed</c> does: prefix (class) rows kept, the patch rows seen as a
/// (D, rows, cols) picture and resized by antialiased bicubic interpolation (align_corners=False).
/// </summary>
public static class PositionResampling
{
    /// <summary>posEmbed (1, prefix + oldRows·oldCols, D) → (1, prefix + rows·cols, D), a new tensor.</summary>
    public static Tensor Resample(Tensor posEmbed, int prefixTokens, (int Rows, int Cols) from, (int Rows, int Cols) to)
    {
        using var scope = NewDisposeScope();
        long dim = posEmbed.shape[2];
        var prefix = posEmbed[.., ..prefixTokens];
        var grid = posEmbed[.., prefixTokens..].to(ScalarType.Float32)
            .reshape(1, from.Rows, from.Cols, dim).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(grid, size: [to.Rows, to.Cols], mode: InterpolationMode.Bicubic,
            align_corners: false, antialias: true);
        var rows = resized.permute(0, 2, 3, 1).reshape(1, -1, dim).to(posEmbed.dtype);
        return cat([prefix, rows], 1).contiguous().MoveToOuterDisposeScope();
    }
}
