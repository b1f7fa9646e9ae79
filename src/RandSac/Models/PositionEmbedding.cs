namespace RandSac.Models;

/// <summary>Where a ViT's token positions come from.</summary>
public enum PositionEmbedding
{
    /// <summary>The fixed 2-D sin-cos table, rebuilt from the shape and not part of the state (RandSAC, MAE).</summary>
    SinCos,

    /// <summary>A <c>pos_embed</c> parameter (1, [1+]N, D) in the state dict (timm, DeiT); starts as the sin-cos table.</summary>
    Learned,
}
