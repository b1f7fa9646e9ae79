namespace RandSac.Data.Augmentation;

/// <summary>
/// Where the bytes of a uint8 image live: element (c, y, x) is at
/// <c>c·ChannelStride + y·RowStride + x·PixelStride</c>. Covers both planar CHW tensors and
/// interleaved RGBA bitmaps, so one resampler serves datasets and decoded files.
/// </summary>
public readonly record struct PixelLayout(int Channels, int Height, int Width, int ChannelStride, int RowStride, int PixelStride)
{
    /// <summary>Planar CHW, as stored in <see cref="ImageDataset.Images"/>.</summary>
    public static PixelLayout Planar(int channels, int height, int width) =>
        new(channels, height, width, height * width, width, 1);

    /// <summary>Interleaved pixels (e.g. RGBA: <paramref name="pixelBytes"/> = 4), using the first <paramref name="channels"/> bytes of each.</summary>
    public static PixelLayout Interleaved(int channels, int height, int width, int pixelBytes, int rowBytes) =>
        new(channels, height, width, 1, rowBytes, pixelBytes);
}
