using RandSac.Segments;

namespace RandSac.Models;

/// <summary>
/// Shape of a Vision Transformer encoder: pre-norm blocks, MLP ratio 4, GELU,
/// LayerNorm eps 1e-6; by default no class token, fixed 2-D sin-cos positions and mean pooling
/// (RandSAC's encoder). Imported timm/MAE encoders may have a class token and learned positions.
/// </summary>
/// <param name="Dim">Token width D.</param>
/// <param name="Depth">Number of blocks L.</param>
/// <param name="Heads">Attention heads; must divide <paramref name="Dim"/>.</param>
/// <param name="PatchSize">Patch side P in pixels (1 gives pixel tokens).</param>
/// <param name="Channels">Image channels C.</param>
/// <param name="ImageHeight">Input height; must be a multiple of P.</param>
/// <param name="ImageWidth">Input width; must be a multiple of P.</param>
/// <param name="MlpRatio">Hidden width of the MLP as a multiple of D.</param>
/// <param name="DropPathRate">
/// Stochastic depth: block i drops its residual branches per sample with probability
/// rate·i/(L−1) in training (timm's linear rule); identity in eval. 0 for pre-training.
/// </param>
/// <param name="ClassToken">A learned <c>cls_token</c> (1, 1, D) put before the patch tokens (timm's class_token).</param>
/// <param name="Positions">Fixed sin-cos table, or a learned <c>pos_embed</c> parameter (1, [1+]N, D).</param>
/// <param name="Pool">What <see cref="VisionTransformer.Features"/> returns: the mean of the patch tokens, or the class token.</param>
public sealed record ViTConfig(
    int Dim,
    int Depth,
    int Heads,
    int PatchSize = 4,
    int Channels = 3,
    int ImageHeight = 32,
    int ImageWidth = 32,
    int MlpRatio = 4,
    double DropPathRate = 0.0,
    bool ClassToken = false,
    PositionEmbedding Positions = PositionEmbedding.SinCos,
    FeaturePool Pool = FeaturePool.Mean)
{
    public const double LayerNormEps = 1e-6;

    /// <summary>Preset names accepted by <see cref="Preset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = PresetHelp.Split(" | ");

    public const string PresetHelp = "mini | tiny | small | base";

    /// <summary>
    /// mini 128/6/4, tiny 192/12/3, small 384/12/6, base 768/12/12 (dim/depth/heads), or any
    /// <c>DIM/DEPTH/HEADS</c> written out (e.g. <c>64/2/4</c> for tests and smoke runs), for
    /// square images of <paramref name="imageSize"/> pixels.
    /// </summary>
    public static ViTConfig Preset(string name, int patchSize = 4, int channels = 3, int imageSize = 32,
        double dropPathRate = 0.0)
    {
        var (dim, depth, heads) = name.Trim().ToLowerInvariant() switch
        {
            "mini" => (128, 6, 4),
            "tiny" => (192, 12, 3),
            "small" => (384, 12, 6),
            "base" => (768, 12, 12),
            _ => ParseShape(name),
        };
        return new ViTConfig(dim, depth, heads, patchSize, channels, imageSize, imageSize, DropPathRate: dropPathRate)
            .Validated();
    }

    static (int, int, int) ParseShape(string name)
    {
        var parts = name.Split('/');
        if (parts.Length == 3
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int dim)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int depth)
            && int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int heads))
            return (dim, depth, heads);
        throw new ArgumentException($"unknown ViT preset '{name}' (expected {string.Join(" | ", PresetNames)} or DIM/DEPTH/HEADS)");
    }

    /// <summary>Tokens before the patch tokens: 1 with a class token, else 0 (timm's num_prefix_tokens).</summary>
    public int PrefixTokens => ClassToken ? 1 : 0;

    public TokenGrid Grid => TokenGrid.ForImage(ImageHeight, ImageWidth, PatchSize);

    /// <summary>N, the number of patch tokens of one image.</summary>
    public int TokenCount => Grid.Count;

    /// <summary>P·P·C, the length of one patch vector.</summary>
    public int PatchDim => PatchSize * PatchSize * Channels;

    /// <summary>Throws <see cref="ArgumentException"/> with a clear message if the shape is unusable.</summary>
    public ViTConfig Validated()
    {
        if (Dim <= 0 || Depth <= 0 || Heads <= 0 || Channels <= 0 || MlpRatio <= 0)
            throw new ArgumentException($"ViT sizes must be positive: {this}");
        if (Dim % Heads != 0)
            throw new ArgumentException($"ViT width {Dim} is not divisible by {Heads} heads");
        if (Dim % 4 != 0 && Positions == PositionEmbedding.SinCos)
            throw new ArgumentException($"ViT width {Dim} must be divisible by 4 for the 2-D sin-cos position embedding");
        if (Pool == FeaturePool.ClassToken && !ClassToken)
            throw new ArgumentException("class-token pooling needs an encoder with a class token");
        if (DropPathRate is < 0.0 or >= 1.0)
            throw new ArgumentException($"drop-path rate must be in [0, 1), got {DropPathRate}");
        _ = Grid; // rejects image sizes the patch size does not divide
        return this;
    }

    /// <summary>Drop-path rate of block <paramref name="index"/> (linear from 0 to the rate).</summary>
    public double DropPathOf(int index) => Depth == 1 ? DropPathRate : DropPathRate * index / (Depth - 1);
}
