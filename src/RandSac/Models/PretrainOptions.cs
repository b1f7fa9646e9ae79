namespace RandSac.Models;

/// <summary>
/// What to build for pre-training.
/// </summary>
/// <param name="Method">randsac | two-stream | mae.</param>
/// <param name="Encoder">The encoder's shape (for two-stream, see <see cref="TrainedEncoder"/>).</param>
/// <param name="Decoder">
/// RandSAC's or MAE's decoder; null for the defaults. Two-stream has no decoder: its shared
/// stream takes the decoder's depth on top of the encoder's (see <see cref="TrainedEncoder"/>).
/// </param>
/// <param name="Skip">RandSAC's trainable skip connections (the paper's decoder).</param>
/// <param name="MaskRatio">MAE's masking ratio.</param>
public sealed record PretrainOptions(
    PretrainMethod Method,
    ViTConfig Encoder,
    DecoderConfig? Decoder = null,
    bool Skip = true,
    double MaskRatio = 0.75)
{
    /// <summary>
    /// The shape of the encoder the model trains and evaluation keeps. For RandSAC and MAE it is
    /// <see cref="Encoder"/>. Two-stream's shared stream (content and query streams share every
    /// weight) is as deep as encoder + decoder, so it has the parameters of the masked
    /// transformer's encoder and decoder together, less the decoder's cross-attention and
    /// norms: the paper's Table 10 lists it at 7M encoder parameters against 5M + 2M (ViT-T with
    /// a 4-layer decoder). The whole stream is the encoder that is evaluated. A decoder depth of
    /// 0 gives a stream as deep as the encoder alone.
    /// </summary>
    public ViTConfig TrainedEncoder => Method == PretrainMethod.TwoStream
        ? (Encoder with { Depth = Encoder.Depth + SharedStreamExtraDepth }).Validated()
        : Encoder;

    int SharedStreamExtraDepth
    {
        get
        {
            int depth = (Decoder ?? new DecoderConfig()).Depth;
            if (depth < 0) throw new ArgumentException($"decoder depth must not be negative, got {depth}");
            return depth;
        }
    }
}
