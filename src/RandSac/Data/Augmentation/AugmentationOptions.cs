namespace RandSac.Data.Augmentation;

/// <summary>
/// How images become network inputs. The defaults are the RandSAC/MAE pre-training recipe:
/// RandomResizedCrop with scale (0.2, 1) and ratio (3/4, 4/3), horizontal flip with p = 0.5,
/// then normalisation with the dataset's mean and std. <see cref="None"/> is the evaluation path.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Side of the square output; null keeps the dataset's image size.</summary>
    public int? OutputSize { get; init; }

    /// <summary>Random resized crop; when false the whole image is used (resized if <see cref="OutputSize"/> differs).</summary>
    public bool RandomCrop { get; init; } = true;

    public double ScaleMin { get; init; } = 0.2;
    public double ScaleMax { get; init; } = 1.0;
    public double RatioMin { get; init; } = 3.0 / 4.0;
    public double RatioMax { get; init; } = 4.0 / 3.0;

    /// <summary>Probability of mirroring an image left-right.</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>The pre-training defaults (random resized crop, flip, normalise).</summary>
    public static AugmentationOptions Pretrain => new();

    /// <summary>No augmentation: the whole image, not flipped, normalised (for evaluation).</summary>
    public static AugmentationOptions None => new() { RandomCrop = false, FlipProbability = 0 };

    /// <summary>Throws a <see cref="DataException"/> for out-of-range settings.</summary>
    public void Validate()
    {
        if (OutputSize is { } size && size < 1)
        {
            throw new DataException($"augmentation output size {size} must be at least 1");
        }
        if (!(0 < ScaleMin && ScaleMin <= ScaleMax && ScaleMax <= 1))
        {
            throw new DataException($"crop scale ({ScaleMin}, {ScaleMax}) must satisfy 0 < min <= max <= 1");
        }
        if (!(0 < RatioMin && RatioMin <= RatioMax))
        {
            throw new DataException($"crop ratio ({RatioMin}, {RatioMax}) must satisfy 0 < min <= max");
        }
        if (!(0 <= FlipProbability && FlipProbability <= 1))
        {
            throw new DataException($"flip probability {FlipProbability} must be in [0, 1]");
        }
    }
}
