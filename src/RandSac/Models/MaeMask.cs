using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>
/// MAE's random masking of one batch, as token indices into the raster patch sequence. Each
/// image's visible and masked tokens are listed in raster order.
/// </summary>
public sealed class MaeMask : IDisposable
{
    MaeMask(Tensor visible, Tensor masked, Tensor restore)
    {
        Visible = visible;
        Masked = masked;
        Restore = restore;
    }

    /// <summary>(B, K) int64, the tokens the encoder sees.</summary>
    public Tensor Visible { get; }

    /// <summary>(B, N−K) int64, the hidden tokens; the loss is taken on these only.</summary>
    public Tensor Masked { get; }

    /// <summary>
    /// (B, N) int64: for raster token t, its position in the concatenation [Visible, Masked]; used
    /// to put decoder tokens back into raster order.
    /// </summary>
    public Tensor Restore { get; }

    public int BatchSize => (int)Visible.shape[0];

    /// <summary>Builds the tensors from per-image visible-token sets; runs on managed arrays.</summary>
    public static MaeMask FromVisible(IReadOnlyList<int[]> visiblePerImage, int tokenCount)
    {
        int batch = visiblePerImage.Count;
        if (batch == 0) throw new ArgumentException("an MAE mask needs at least one image");
        int keep = visiblePerImage[0].Length;
        if (keep <= 0 || keep >= tokenCount)
            throw new ArgumentException($"an MAE mask must keep between 1 and {tokenCount - 1} tokens, got {keep}");
        var visible = new long[batch * keep];
        var masked = new long[batch * (tokenCount - keep)];
        var restore = new long[batch * tokenCount];
        var isVisible = new bool[tokenCount];
        for (int b = 0; b < batch; b++)
        {
            var row = visiblePerImage[b];
            if (row.Length != keep) throw new ArgumentException("every image of a batch must keep the same number of tokens");
            Array.Clear(isVisible);
            foreach (int t in row)
            {
                if (t < 0 || t >= tokenCount || isVisible[t])
                    throw new ArgumentException($"visible tokens must be distinct indices in [0, {tokenCount}), got {t}");
                isVisible[t] = true;
            }
            int v = 0, m = 0;
            for (int t = 0; t < tokenCount; t++)
            {
                if (isVisible[t])
                {
                    visible[b * keep + v] = t;
                    restore[b * tokenCount + t] = v++;
                }
                else
                {
                    masked[b * (tokenCount - keep) + m] = t;
                    restore[b * tokenCount + t] = keep + m++;
                }
            }
        }
        return new MaeMask(
            tensor(visible, [batch, keep]),
            tensor(masked, [batch, tokenCount - keep]),
            tensor(restore, [batch, tokenCount]));
    }

    public void Dispose()
    {
        Visible.Dispose();
        Masked.Dispose();
        Restore.Dispose();
    }
}
