namespace RandSac.Data;

/// <summary>Argument checks shared by the data layer and its callers, failing with <see cref="DataException"/>.</summary>
public static class DataChecks
{
    /// <summary>
    /// Throws unless <paramref name="imageSize"/> is a positive multiple of <paramref name="patchSize"/>
    /// (a ViT cuts the image into whole patches).
    /// </summary>
    public static void RequireDivisible(int imageSize, int patchSize)
    {
        if (patchSize <= 0)
        {
            throw new DataException($"patch size {patchSize} must be positive");
        }
        if (imageSize <= 0)
        {
            throw new DataException($"image size {imageSize} must be positive");
        }
        if (imageSize % patchSize != 0)
        {
            int lower = imageSize / patchSize * patchSize;
            int upper = lower + patchSize;
            string suggestion = lower > 0 ? $"{lower} or {upper}" : $"{upper}";
            throw new DataException(
                $"image size {imageSize} is not divisible by patch size {patchSize} " +
                $"({imageSize} % {patchSize} = {imageSize % patchSize}); use an image size such as {suggestion}");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is at least 1.</summary>
    public static void RequirePositive(int value, string what)
    {
        if (value < 1)
        {
            throw new DataException($"{what} must be at least 1, got {value}");
        }
    }
}
