using static TorchSharp.torch;

namespace RandSac.Data;

/// <summary>
/// Shrinks every image of a dataset by area averaging (torch's <c>interpolate(mode='area')</c>,
/// which is adaptive average pooling): each output pixel is the mean of the source pixels it
/// covers, so 32→16 averages 2×2 blocks. This is how CIFAR is read below 32 px (the paper's
/// pixel tokens). Results are rounded back to uint8; the source's mean and std are kept, so
/// the images are normalised as the full-size dataset is.
/// </summary>
public static class AreaDownsampling
{
    // Images converted to float at a time: 1,024 CIFAR images are 12 MB.
    const int ChunkImages = 1024;

    public static ImageDataset Shrink(ImageDataset source, int size)
    {
        if (size < 1 || size > source.Height || size > source.Width)
            throw new ArgumentException($"cannot shrink {source.Height}×{source.Width} images to {size}×{size}");
        var images = TensorMemory.EmptyBytes(source.Count, source.Channels, size, size);
        try
        {
            for (int start = 0; start < source.Count; start += ChunkImages)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(ChunkImages, source.Count - start);
                var pixels = source.Images.narrow(0, start, count).to_type(ScalarType.Float32);
                var shrunk = nn.functional.adaptive_avg_pool2d(pixels, [size, size]).round_();
                images.narrow(0, start, count).copy_(shrunk.to_type(ScalarType.Byte));
            }
            return new ImageDataset($"{source.Name}-{size}px", images, (int[])source.Labels.Clone(), source.ClassNames,
                (float[])source.Mean.Clone(), (float[])source.Std.Clone());
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }
}
