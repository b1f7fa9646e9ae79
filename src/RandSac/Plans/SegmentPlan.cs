using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Plans;

/// <summary>
/// A batch's segment plan as tensors. Token indices point into the raster-order
/// patch sequence; masks are boolean, true = may attend, shaped (B or 1, 1, queries, keys)
/// so they broadcast over heads in scaled_dot_product_attention.
/// <list type="bullet">
/// <item>Encoder self-attention: token i sees token j iff r_j ≤ r_i.</item>
/// <item>Decoder self-attention: the same rule among the target queries.</item>
/// <item>Cross-attention: query i sees encoder token j iff r_j &lt; r_i.</item>
/// </list>
/// When all images share one rank sequence (square segments), the masks have batch size 1
/// and <see cref="EncoderValid"/>/<see cref="DecoderValid"/> are null. Otherwise sequences
/// are padded to the batch's longest: pad entries index token 0, are masked as keys, see
/// only position 0 as queries (so no row is ever fully masked), and are invalid for the loss.
/// </summary>
public sealed class SegmentPlan : IDisposable
{
    internal SegmentPlan(IReadOnlyList<ImagePlan> images, Tensor encoderTokens, Tensor decoderTokens,
        Tensor encoderRanks, Tensor decoderRanks, Tensor encoderMask, Tensor decoderSelfMask, Tensor crossMask,
        Tensor? encoderValid, Tensor? decoderValid)
    {
        Images = images;
        EncoderTokens = encoderTokens;
        DecoderTokens = decoderTokens;
        EncoderRanks = encoderRanks;
        DecoderRanks = decoderRanks;
        EncoderMask = encoderMask;
        DecoderSelfMask = decoderSelfMask;
        CrossMask = crossMask;
        EncoderValid = encoderValid;
        DecoderValid = decoderValid;
    }

    /// <summary>The per-image plans the tensors were built from.</summary>
    public IReadOnlyList<ImagePlan> Images { get; }

    public int BatchSize => Images.Count;

    /// <summary>(B, Le) int64: raster index of each encoder input token, in sequence order.</summary>
    public Tensor EncoderTokens { get; }

    /// <summary>(B, Ld) int64: raster index of each decoder target token, in sequence order.</summary>
    public Tensor DecoderTokens { get; }

    /// <summary>(B, Le) int64 rank of each encoder token; −1 for pads.</summary>
    public Tensor EncoderRanks { get; }

    /// <summary>(B, Ld) int64 rank of each decoder target; −1 for pads.</summary>
    public Tensor DecoderRanks { get; }

    /// <summary>(B|1, 1, Le, Le) bool.</summary>
    public Tensor EncoderMask { get; }

    /// <summary>(B|1, 1, Ld, Ld) bool.</summary>
    public Tensor DecoderSelfMask { get; }

    /// <summary>(B|1, 1, Ld, Le) bool.</summary>
    public Tensor CrossMask { get; }

    /// <summary>(B, Le) bool, false for pads; null when nothing is padded.</summary>
    public Tensor? EncoderValid { get; }

    /// <summary>(B, Ld) bool, false for pads; null when nothing is padded.</summary>
    public Tensor? DecoderValid { get; }

    public bool SharesMasks => EncoderMask.shape[0] == 1;

    public void Dispose()
    {
        EncoderTokens.Dispose();
        DecoderTokens.Dispose();
        EncoderRanks.Dispose();
        DecoderRanks.Dispose();
        EncoderMask.Dispose();
        DecoderSelfMask.Dispose();
        CrossMask.Dispose();
        EncoderValid?.Dispose();
        DecoderValid?.Dispose();
    }
}
