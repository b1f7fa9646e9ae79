namespace RandSac.Data.Augmentation;

/// <summary>
/// The crop rectangle of torchvision's <c>RandomResizedCrop.get_params</c>, reproduced rule for rule:
/// up to ten tries of an area fraction uniform in <c>scale</c> and an aspect ratio (w/h) that is
/// log-uniform in <c>ratio</c>, with side lengths rounded half-to-even as Python's <c>round</c>
/// does; the first that fits is placed uniformly at random. If none fits, a centred crop of the
/// whole image with its aspect ratio clamped into <c>ratio</c>.
/// </summary>
public static class RandomResizedCrop
{
    public const int Attempts = 10;

    public static CropBox GetParams(int height, int width, double scaleMin, double scaleMax,
        double ratioMin, double ratioMax, SeededRandom random)
    {
        if (height <= 0 || width <= 0)
        {
            throw new ArgumentException($"image size {height}x{width} must be positive");
        }
        if (!(0 < scaleMin && scaleMin <= scaleMax && scaleMax <= 1) || !(0 < ratioMin && ratioMin <= ratioMax))
        {
            throw new ArgumentException($"need 0 < scale min <= max <= 1 and 0 < ratio min <= max, got scale ({scaleMin}, {scaleMax}), ratio ({ratioMin}, {ratioMax})");
        }

        double area = (double)height * width;
        double logRatioMin = Math.Log(ratioMin);
        double logRatioMax = Math.Log(ratioMax);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double targetArea = area * random.Uniform(scaleMin, scaleMax);
            double aspectRatio = Math.Exp(random.Uniform(logRatioMin, logRatioMax));
            // Math.Round rounds half to even, like Python's round().
            int w = (int)Math.Round(Math.Sqrt(targetArea * aspectRatio));
            int h = (int)Math.Round(Math.Sqrt(targetArea / aspectRatio));
            if (0 < w && w <= width && 0 < h && h <= height)
            {
                int top = random.NextInt(height - h + 1);
                int left = random.NextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }

        // Fallback: centre crop with the aspect ratio clamped into [ratioMin, ratioMax].
        double inRatio = (double)width / height;
        int cropW, cropH;
        if (inRatio < ratioMin)
        {
            cropW = width;
            cropH = (int)Math.Round(cropW / ratioMin);
        }
        else if (inRatio > ratioMax)
        {
            cropH = height;
            cropW = (int)Math.Round(cropH * ratioMax);
        }
        else
        {
            cropW = width;
            cropH = height;
        }
        return new CropBox((height - cropH) / 2, (width - cropW) / 2, cropH, cropW);
    }
}
