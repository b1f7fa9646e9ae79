using SkiaSharp;

namespace RandSac.Pictures;

/// <summary>Writes pictures as PNG without ever leaving a half-written file behind.</summary>
public static class Png
{
    public static void Save(SKBitmap bitmap, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var image = SKImage.FromBitmap(bitmap))
        using (var data = image.Encode(SKEncodedImageFormat.Png, 100))
        using (var stream = File.Create(temp))
            data.SaveTo(stream);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// An RGB bitmap from planar image bytes (C×H×W, C = 1 or 3), each pixel a
    /// <paramref name="scale"/>×<paramref name="scale"/> block so small images stay readable.
    /// </summary>
    public static SKBitmap FromPlanar(ReadOnlySpan<byte> pixels, int channels, int height, int width, int scale)
    {
        if (channels != 1 && channels != 3)
            throw new ArgumentException($"can only draw 1- or 3-channel images, got {channels}");
        var bitmap = new SKBitmap(width * scale, height * scale, SKColorType.Rgba8888, SKAlphaType.Premul);
        int plane = height * width;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                byte r = pixels[i], g = channels == 3 ? pixels[plane + i] : r, b = channels == 3 ? pixels[2 * plane + i] : r;
                var colour = new SKColor(r, g, b);
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                        bitmap.SetPixel(x * scale + dx, y * scale + dy, colour);
            }
        return bitmap;
    }
}
