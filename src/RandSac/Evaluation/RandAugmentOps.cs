namespace RandSac.Evaluation;

/// <summary>
/// The RandAugment operations on one planar image (C, H, W) of floats in [0, 1], following the
/// PIL operations timm applies: <see cref="Argument"/> maps a magnitude in [0, 10] to the op's
/// argument with timm's increasing level functions (level = magnitude / 10, timm's
/// <c>_LEVEL_DENOM</c>): rotate ±30°·level, shear ±0.3·level, translate ±0.45·level of the side,
/// enhance factor 1 ± 0.9·level (at least 0.1), posterize to 4 − ⌊4·level⌋ bits, solarize above
/// 256 − ⌊256·level⌋, solarize-add ⌊110·level⌋ (at most 128); the ± is a random sign.
/// <see cref="Apply"/> applies it. Geometric ops sample bilinearly and fill with <c>fill</c>
/// (timm fills with the dataset mean). Every op keeps values in [0, 1].
/// </summary>
public static class RandAugmentOps
{
    /// <summary>timm's <c>_LEVEL_DENOM</c>: magnitudes run from 0 to 10 and are clipped there.</summary>
    public const double MaxLevel = 10.0;

    /// <summary>
    /// The argument of <paramref name="op"/> at <paramref name="magnitude"/>; signed ops
    /// (geometric and enhance) take the negative side when <paramref name="negate"/>, which
    /// RandAugment draws with probability 1/2 (timm's <c>_randomly_negate</c>).
    /// </summary>
    public static double Argument(RandAugmentOp op, double magnitude, bool negate)
    {
        double level = magnitude / MaxLevel;
        double sign = negate ? -1 : 1;
        return op switch
        {
            RandAugmentOp.Rotate => sign * (level * 30.0),
            RandAugmentOp.ShearX or RandAugmentOp.ShearY => sign * (level * 0.3),
            RandAugmentOp.TranslateXRel or RandAugmentOp.TranslateYRel => sign * (level * 0.45),
            RandAugmentOp.ColorIncreasing or RandAugmentOp.ContrastIncreasing or RandAugmentOp.BrightnessIncreasing
                or RandAugmentOp.SharpnessIncreasing => Math.Max(0.1, 1.0 + sign * (level * 0.9)),
            RandAugmentOp.PosterizeIncreasing => 4 - (int)(level * 4),
            RandAugmentOp.SolarizeIncreasing => 256 - Math.Min(256, (int)(level * 256)),
            RandAugmentOp.SolarizeAdd => Math.Min(128, (int)(level * 110)),
            _ => 0,
        };
    }

    /// <summary>Applies <paramref name="op"/> with its argument to <paramref name="image"/> (C·H·W, in place).</summary>
    public static void Apply(RandAugmentOp op, double argument, Span<float> image, int channels, int height, int width,
        ReadOnlySpan<float> fill)
    {
        int plane = height * width;
        if (image.Length != channels * plane) throw new ArgumentException($"image has {image.Length} values, not {channels}×{height}×{width}");
        if (fill.Length != channels) throw new ArgumentException($"fill needs {channels} values");
        switch (op)
        {
            case RandAugmentOp.AutoContrast:
                for (int c = 0; c < channels; c++) AutoContrast(image.Slice(c * plane, plane));
                break;
            case RandAugmentOp.Equalize:
                for (int c = 0; c < channels; c++) Equalize(image.Slice(c * plane, plane));
                break;
            case RandAugmentOp.Invert:
                foreach (ref float v in image) v = 1f - v;
                break;
            case RandAugmentOp.PosterizeIncreasing:
                Posterize(image, (int)argument);
                break;
            case RandAugmentOp.SolarizeIncreasing:
                foreach (ref float v in image)
                    if (v * 255f >= argument) v = 1f - v;
                break;
            case RandAugmentOp.SolarizeAdd:
                foreach (ref float v in image)
                    if (v * 255f < 128f) v = Math.Min(1f, v + (float)(argument / 255.0));
                break;
            case RandAugmentOp.ColorIncreasing:
                if (channels == 3) Blend(image, Grayscale(image, plane), (float)argument, perPixel: true, channels);
                break;
            case RandAugmentOp.ContrastIncreasing:
            {
                float mean = channels == 3 ? Average(Grayscale(image, plane)) : Average(image);
                var degenerate = new float[image.Length];
                Array.Fill(degenerate, mean);
                Blend(image, degenerate, (float)argument, perPixel: false, channels);
                break;
            }
            case RandAugmentOp.BrightnessIncreasing:
                Blend(image, new float[image.Length], (float)argument, perPixel: false, channels);
                break;
            case RandAugmentOp.SharpnessIncreasing:
                Blend(image, Smoothed(image, channels, height, width), (float)argument, perPixel: false, channels);
                break;
            case RandAugmentOp.Rotate:
            {
                // PIL's rotate: counter-clockwise by the angle about the centre.
                double a = -argument * Math.PI / 180.0;
                double cos = Math.Cos(a), sin = Math.Sin(a), cx = width / 2.0, cy = height / 2.0;
                Affine(image, channels, height, width, fill,
                    cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy);
                break;
            }
            case RandAugmentOp.ShearX:
                Affine(image, channels, height, width, fill, 1, argument, 0, 0, 1, 0);
                break;
            case RandAugmentOp.ShearY:
                Affine(image, channels, height, width, fill, 1, 0, 0, argument, 1, 0);
                break;
            case RandAugmentOp.TranslateXRel:
                Affine(image, channels, height, width, fill, 1, 0, argument * width, 0, 1, 0);
                break;
            case RandAugmentOp.TranslateYRel:
                Affine(image, channels, height, width, fill, 1, 0, 0, 0, 1, argument * height);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    static void AutoContrast(Span<float> channel)
    {
        float lo = float.MaxValue, hi = float.MinValue;
        foreach (float v in channel)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        if (hi <= lo) return;
        float scale = 1f / (hi - lo);
        foreach (ref float v in channel) v = Math.Clamp((v - lo) * scale, 0f, 1f);
    }

    /// <summary>PIL's ImageOps.equalize on the channel's 256-level histogram.</summary>
    static void Equalize(Span<float> channel)
    {
        Span<int> histogram = stackalloc int[256];
        foreach (float v in channel) histogram[Level(v)]++;
        int last = 255;
        while (last > 0 && histogram[last] == 0) last--;
        int step = (channel.Length - histogram[last]) / 255;
        if (step == 0) return;
        Span<float> lut = stackalloc float[256];
        int n = step / 2;
        for (int i = 0; i < 256; i++)
        {
            lut[i] = Math.Min(255, n / step) / 255f;
            n += histogram[i];
        }
        foreach (ref float v in channel) v = lut[Level(v)];
    }

    static void Posterize(Span<float> image, int bits)
    {
        if (bits >= 8) return;
        int mask = ~((1 << (8 - Math.Max(0, bits))) - 1) & 0xFF;
        foreach (ref float v in image) v = (Level(v) & mask) / 255f;
    }

    static int Level(float v) => Math.Clamp((int)MathF.Round(v * 255f), 0, 255);

    /// <summary>ITU-R 601-2 luma, as PIL's convert("L").</summary>
    static float[] Grayscale(ReadOnlySpan<float> image, int plane)
    {
        var gray = new float[plane];
        for (int i = 0; i < plane; i++)
            gray[i] = 0.299f * image[i] + 0.587f * image[plane + i] + 0.114f * image[2 * plane + i];
        return gray;
    }

    static float Average(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values) sum += v;
        return (float)(sum / values.Length);
    }

    /// <summary>
    /// PIL's ImageEnhance: degenerate + factor·(image − degenerate), clipped. With
    /// <paramref name="perPixel"/> the degenerate is one plane shared by all channels.
    /// </summary>
    static void Blend(Span<float> image, float[] degenerate, float factor, bool perPixel, int channels)
    {
        int plane = image.Length / channels;
        for (int i = 0; i < image.Length; i++)
        {
            float d = perPixel ? degenerate[i % plane] : degenerate[i];
            image[i] = Math.Clamp(d + factor * (image[i] - d), 0f, 1f);
        }
    }

    /// <summary>PIL's SMOOTH filter (3×3, centre 5, others 1, /13) inside; border pixels unchanged.</summary>
    static float[] Smoothed(ReadOnlySpan<float> image, int channels, int height, int width)
    {
        var result = image.ToArray();
        for (int c = 0; c < channels; c++)
        {
            int offset = c * height * width;
            for (int y = 1; y < height - 1; y++)
            for (int x = 1; x < width - 1; x++)
            {
                float sum = 4 * image[offset + y * width + x];
                for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    sum += image[offset + (y + dy) * width + x + dx];
                result[offset + y * width + x] = sum / 13f;
            }
        }
        return result;
    }

    /// <summary>
    /// PIL's Image.transform(AFFINE, (a, b, c, d, e, f)): output pixel (x, y) samples the input at
    /// (a·x + b·y + c, d·x + e·y + f) in pixel-centre coordinates; bilinear, <paramref name="fill"/> outside.
    /// </summary>
    static void Affine(Span<float> image, int channels, int height, int width, ReadOnlySpan<float> fill,
        double a, double b, double c, double d, double e, double f)
    {
        var source = image.ToArray();
        int plane = height * width;
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            double u = a * (x + 0.5) + b * (y + 0.5) + c - 0.5;
            double v = d * (x + 0.5) + e * (y + 0.5) + f - 0.5;
            int x0 = (int)Math.Floor(u), y0 = (int)Math.Floor(v);
            float fx = (float)(u - x0), fy = (float)(v - y0);
            for (int ch = 0; ch < channels; ch++)
            {
                int offset = ch * plane;
                float outside = fill[ch];
                float Sample(int sx, int sy) =>
                    sx >= 0 && sx < width && sy >= 0 && sy < height ? source[offset + sy * width + sx] : outside;
                float top = fx == 0 ? Sample(x0, y0) : Sample(x0, y0) * (1 - fx) + Sample(x0 + 1, y0) * fx;
                float value = top;
                if (fy != 0)
                {
                    float bottom = fx == 0 ? Sample(x0, y0 + 1) : Sample(x0, y0 + 1) * (1 - fx) + Sample(x0 + 1, y0 + 1) * fx;
                    value = top * (1 - fy) + bottom * fy;
                }
                image[offset + y * width + x] = Math.Clamp(value, 0f, 1f);
            }
        }
    }
}
