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
        File.WriteAllBytes(temp, Encode(bitmap));
        File.Move(temp, full, overwrite: true);
    }

    public static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
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
        // Straight into the pixel memory: SetPixel costs a native call per pixel, most of a picture's time.
        var rgba = bitmap.GetPixelSpan();
        int plane = height * width, rowBytes = bitmap.RowBytes;
        for (int y = 0; y < height * scale; y++)
            for (int x = 0; x < width * scale; x++)
            {
                int i = y / scale * width + x / scale, at = y * rowBytes + 4 * x;
                rgba[at] = pixels[i];
                rgba[at + 1] = channels == 3 ? pixels[plane + i] : pixels[i];
                rgba[at + 2] = channels == 3 ? pixels[2 * plane + i] : pixels[i];
                rgba[at + 3] = 255;
            }
        return bitmap;
    }
}
