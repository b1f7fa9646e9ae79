namespace RandSac.Models;

/// <summary>
/// Shape of a pre-training decoder (RandSAC's segment decoder or MAE's decoder).
/// Width and heads default to the encoder's; depth defaults to 4 (CIFAR ViT-T).
/// </summary>
public sealed record DecoderConfig(int Depth = 4, int? Dim = null, int? Heads = null, int MlpRatio = 4)
{
    /// <summary>The decoder's (depth, width, heads) for a given encoder.</summary>
    public (int Depth, int Dim, int Heads) Resolve(ViTConfig encoder)
    {
        int dim = Dim ?? encoder.Dim;
        int heads = Heads ?? (Dim is null ? encoder.Heads : DefaultHeads(dim, encoder));
        if (Depth <= 0) throw new ArgumentException($"decoder depth must be positive, got {Depth}");
        if (dim <= 0 || heads <= 0 || dim % heads != 0)
            throw new ArgumentException($"decoder width {dim} is not divisible by {heads} heads");
        if (dim % 4 != 0)
            throw new ArgumentException($"decoder width {dim} must be divisible by 4 for the 2-D sin-cos position embedding");
        return (Depth, dim, heads);
    }

    /// <summary>With only the width set, keep the encoder's head width if it fits, else one head.</summary>
    static int DefaultHeads(int dim, ViTConfig encoder)
    {
        int headDim = encoder.Dim / encoder.Heads;
        return dim % headDim == 0 ? dim / headDim : 1;
    }
}
