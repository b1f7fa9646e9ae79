namespace RandSac.Models;

/// <summary>How a ViT's final tokens become one feature vector per image.</summary>
public enum FeaturePool
{
    /// <summary>The mean of the patch tokens (timm's <c>global_pool='avg'</c>, MAE's <c>global_pool</c>).</summary>
    Mean,

    /// <summary>The class token (timm's <c>global_pool='token'</c>).</summary>
    ClassToken,
}
