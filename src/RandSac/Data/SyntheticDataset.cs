namespace RandSac.Data;

/// <summary>
/// A procedurally generated labelled dataset, so everything runs without a download.
/// Ten classes: five shapes (circle, square, triangle, cross, ring), four textures in a square
/// or round patch (horizontal stripes, vertical stripes, checker, dots) and a soft gradient blob,
/// drawn at random positions, sizes, rotations and colours over a random two-colour gradient
/// background with random per-pixel noise. A classifier has to look at outline and texture,
/// not colour or position. Labels cycle 0..9 so every class has the same share.
/// Image <c>i</c> depends only on (seed, i): the same seed gives identical bytes.
/// </summary>
public static class SyntheticDataset
{
    public const int Channels = 3;

    /// <summary>The class names, in label order.</summary>
    public static string[] ClassNames =>
        ["circle", "square", "triangle", "cross", "ring", "stripes-h", "stripes-v", "checker", "dots", "blob"];

    public static int ClassCount => 10;

    /// <summary>
    /// Generates <paramref name="count"/> images of <paramref name="imageSize"/>² pixels. Mean and std
    /// are measured on the generated images.
    /// </summary>
    public static ImageDataset Generate(int count, int imageSize = 32, long seed = 0, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (imageSize < 8)
        {
            throw new DataException($"synthetic image size {imageSize} is too small to draw shapes; use 8 or more");
        }
        int imageBytes = Channels * imageSize * imageSize;
        var images = TensorMemory.EmptyBytes(count, Channels, imageSize, imageSize);
        try
        {
            IntPtr target = TensorMemory.BaseAddress(images);
            var labels = new int[count];
            var statistics = new PixelStatistics(Channels);
            Parallel.For(0, count,
                () => new PixelStatistics(Channels),
                (i, _, local) =>
                {
                    labels[i] = i % ClassCount;
                    Span<byte> pixels = TensorMemory.Bytes(target, (long)i * imageBytes, imageBytes);
                    Render(labels[i], imageSize, new SeededRandom(SeededRandom.Derive(seed, i)), pixels);
                    local.Add(pixels);
                    return local;
                },
                local =>
                {
                    lock (statistics)
                    {
                        statistics.Add(local);
                    }
                });
            var (mean, std) = statistics.Result();
            return new ImageDataset(name ?? $"synthetic{imageSize}-seed{seed}", images, labels, ClassNames, mean, std);
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>A train or test split: the two draw from different seeds derived from <paramref name="seed"/>.</summary>
    public static ImageDataset Generate(DataSplit split, int count, int imageSize = 32, long seed = 0) =>
        Generate(count, imageSize, SeededRandom.Derive(seed, split == DataSplit.Train ? 1 : 2),
            $"synthetic{imageSize}-{(split == DataSplit.Train ? "train" : "test")}");

    /// <summary>Draws one image of class <paramref name="label"/> into <paramref name="chw"/> (3·size·size bytes, CHW).</summary>
    public static void Render(int label, int size, SeededRandom random, Span<byte> chw)
    {
        if ((uint)label >= (uint)ClassCount)
        {
            throw new ArgumentOutOfRangeException(nameof(label));
        }
        if (chw.Length != Channels * size * size)
        {
            throw new ArgumentException($"need {Channels * size * size} bytes", nameof(chw));
        }

        // Background: a linear gradient between two random colours in a random direction.
        var background0 = RandomColour(random);
        var background1 = RandomColour(random);
        double gradientAngle = random.Uniform(0, 2 * Math.PI);
        float gradientX = (float)Math.Cos(gradientAngle), gradientY = (float)Math.Sin(gradientAngle);
        var backgroundMean = Lerp(background0, background1, 0.5f);

        // Foreground colours far enough from the background to be visible.
        var foreground = DistinctColour(random, backgroundMean);
        var foreground2 = DistinctColour(random, foreground);

        float radius = (float)(size * random.Uniform(0.2, 0.36));
        // Centres keep most of the shape inside the frame; a little may be cut off at the edge.
        float centerX = (float)(size * random.Uniform(0.3, 0.7));
        float centerY = (float)(size * random.Uniform(0.3, 0.7));
        bool isTexture = label is >= 5 and <= 8;
        // Textures stay nearly axis-aligned so horizontal and vertical stripes remain distinct.
        double angle = isTexture ? random.Uniform(-0.25, 0.25) : random.Uniform(-Math.PI / 6, Math.PI / 6);
        float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
        bool roundPatch = random.NextBool(0.5);
        // Texture period in shape units (radius = 1), at least 3 pixels so it survives small images.
        float periodPixels = (float)random.Uniform(3.0, Math.Max(4.0, radius * 0.7));
        float period = periodPixels / radius;
        float phaseU = (float)random.NextDouble(), phaseV = (float)random.NextDouble();
        float noise = (float)random.Uniform(0, 16);

        int plane = size * size;
        float inverseSize = 1f / size;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                float px = x + 0.5f, py = y + 0.5f;
                float t = Math.Clamp(((px * inverseSize - 0.5f) * gradientX + (py * inverseSize - 0.5f) * gradientY) + 0.5f, 0f, 1f);
                var colour = Lerp(background0, background1, t);

                // Shape coordinates: centred, rotated, in units of the radius.
                float dx = (px - centerX) / radius, dy = (py - centerY) / radius;
                float u = cos * dx + sin * dy;
                float v = -sin * dx + cos * dy;

                float alpha;
                var ink = foreground;
                if (label == 9)
                {
                    alpha = MathF.Exp(-2.2f * (u * u + v * v));
                }
                else if (isTexture)
                {
                    float region = roundPatch ? MathF.Sqrt(u * u + v * v) - 0.95f : Box(u, v, 0.85f, 0.85f);
                    alpha = Coverage(region, radius);
                    if (alpha > 0 && !TextureInk(label, u, v, period, phaseU, phaseV))
                    {
                        ink = foreground2;
                    }
                }
                else
                {
                    alpha = Coverage(ShapeDistance(label, u, v), radius);
                }

                colour = Lerp(colour, ink, alpha);
                int offset = y * size + x;
                chw[offset] = ToByte(colour.R + noise * (random.NextSingle() - 0.5f) * 2f);
                chw[plane + offset] = ToByte(colour.G + noise * (random.NextSingle() - 0.5f) * 2f);
                chw[2 * plane + offset] = ToByte(colour.B + noise * (random.NextSingle() - 0.5f) * 2f);
            }
        }
    }

    /// <summary>Signed distance (shape units, negative inside) to the outline of shape classes 0..4.</summary>
    static float ShapeDistance(int label, float u, float v) => label switch
    {
        0 => MathF.Sqrt(u * u + v * v) - 0.95f,
        1 => Box(u, v, 0.78f, 0.78f),
        2 => Triangle(u, v, 0.95f),
        3 => Math.Min(Box(u, v, 0.95f, 0.28f), Box(u, v, 0.28f, 0.95f)),
        4 => Math.Abs(MathF.Sqrt(u * u + v * v) - 0.7f) - 0.22f,
        _ => throw new ArgumentOutOfRangeException(nameof(label)),
    };

    /// <summary>Whether texture classes 5..8 use the first ink colour at (u, v).</summary>
    static bool TextureInk(int label, float u, float v, float period, float phaseU, float phaseV)
    {
        float a = u / period + phaseU, b = v / period + phaseV;
        switch (label)
        {
            case 5: return Fraction(b) < 0.5f;
            case 6: return Fraction(a) < 0.5f;
            case 7: return (((int)MathF.Floor(a) + (int)MathF.Floor(b)) & 1) == 0;
            case 8:
                // Dots on a grid 1.4 periods apart, each 0.3 of the spacing in radius.
                float ca = Fraction(a / 1.4f) - 0.5f, cb = Fraction(b / 1.4f) - 0.5f;
                return ca * ca + cb * cb < 0.09f;
            default: throw new ArgumentOutOfRangeException(nameof(label));
        }
    }

    // Box of half-sizes (hu, hv): exact signed distance.
    static float Box(float u, float v, float hu, float hv)
    {
        float qx = Math.Abs(u) - hu, qy = Math.Abs(v) - hv;
        float outside = MathF.Sqrt(MathF.Max(qx, 0) * MathF.Max(qx, 0) + MathF.Max(qy, 0) * MathF.Max(qy, 0));
        return outside + Math.Min(Math.Max(qx, qy), 0);
    }

    // Equilateral triangle with half-side r, pointing up (negative v), exact signed distance.
    static float Triangle(float u, float v, float r)
    {
        const float k = 1.7320508f;
        float x = Math.Abs(u) - r;
        float y = -v + r / k;
        if (x + k * y > 0)
        {
            (x, y) = ((x - k * y) / 2, (-k * x - y) / 2);
        }
        x -= Math.Clamp(x, -2 * r, 0);
        return -MathF.Sqrt(x * x + y * y) * MathF.Sign(y);
    }

    // Antialiased coverage of a pixel by a shape, from its distance in shape units.
    static float Coverage(float distance, float radius) => Math.Clamp(0.5f - distance * radius, 0f, 1f);

    static float Fraction(float value) => value - MathF.Floor(value);

    static byte ToByte(float value) => (byte)Math.Clamp((int)MathF.Round(value), 0, 255);

    readonly record struct Colour(float R, float G, float B);

    static Colour RandomColour(SeededRandom random) =>
        new(random.NextSingle() * 255f, random.NextSingle() * 255f, random.NextSingle() * 255f);

    static Colour DistinctColour(SeededRandom random, Colour from)
    {
        Colour colour = RandomColour(random);
        for (int attempt = 0; attempt < 20 && Distance(colour, from) < 110f; attempt++)
        {
            colour = RandomColour(random);
        }
        return colour;
    }

    static float Distance(Colour a, Colour b) =>
        MathF.Sqrt((a.R - b.R) * (a.R - b.R) + (a.G - b.G) * (a.G - b.G) + (a.B - b.B) * (a.B - b.B));

    static Colour Lerp(Colour a, Colour b, float t) =>
        new(a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);
}
