namespace RandSac.Models;

/// <summary>
/// What to build for pre-training.
/// </summary>
/// <param name="Method">randsac | two-stream | mae.</param>
/// <param name="Encoder">The encoder's shape.</param>
/// <param name="Decoder">RandSAC's or MAE's decoder (ignored by two-stream); null for the defaults.</param>
/// <param name="Skip">RandSAC's trainable skip connections (the paper's decoder).</param>
/// <param name="MaskRatio">MAE's masking ratio.</param>
public sealed record PretrainOptions(
    PretrainMethod Method,
    ViTConfig Encoder,
    DecoderConfig? Decoder = null,
    bool Skip = true,
    double MaskRatio = 0.75);
