namespace RandSac.Data.Augmentation;

/// <summary>An integer crop rectangle in pixels, in torchvision's (top, left, height, width) order.</summary>
public readonly record struct CropBox(int Top, int Left, int Height, int Width)
{
    public int Area => Height * Width;

    /// <summary>The whole of a <paramref name="height"/>×<paramref name="width"/> image.</summary>
    public static CropBox Whole(int height, int width) => new(0, 0, height, width);
}
