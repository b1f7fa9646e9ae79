using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Data;

/// <summary>
/// A labelled image dataset held in memory as one contiguous uint8 tensor of shape
/// (N, C, H, W), plus the per-channel mean and standard deviation used to normalise it.
/// The dataset owns the tensor and disposes it.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    readonly IntPtr _pixels;
    Tensor? _images;

    /// <summary>
    /// Wraps <paramref name="images"/> (contiguous CPU uint8, shape (N, C, H, W)) and takes
    /// ownership of it: it is detached from any dispose scope and disposed with the dataset.
    /// </summary>
    public ImageDataset(string name, Tensor images, int[] labels, string[] classNames, float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
        {
            throw new ArgumentException($"images must be a uint8 tensor of shape (N, C, H, W), got {images.dtype} {FormatShape(images.shape)}", nameof(images));
        }
        if (images.device_type != DeviceType.CPU || !images.is_contiguous())
        {
            throw new ArgumentException("images must be a contiguous CPU tensor", nameof(images));
        }
        Count = checked((int)images.shape[0]);
        Channels = checked((int)images.shape[1]);
        Height = checked((int)images.shape[2]);
        Width = checked((int)images.shape[3]);
        if (labels.Length != Count)
        {
            throw new ArgumentException($"{labels.Length} labels for {Count} images", nameof(labels));
        }
        if (mean.Length != Channels || std.Length != Channels)
        {
            throw new ArgumentException($"mean and std need {Channels} values each, got {mean.Length} and {std.Length}");
        }
        if (std.Any(s => !(s > 0)))
        {
            throw new ArgumentException("std values must be positive", nameof(std));
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Length)
            {
                throw new ArgumentException($"label {labels[i]} of image {i} is outside 0..{classNames.Length - 1}", nameof(labels));
            }
        }

        Name = name;
        _images = images.DetachFromDisposeScope();
        _pixels = TensorMemory.BaseAddress(_images);
        Labels = labels;
        ClassNames = classNames;
        Mean = mean;
        Std = std;
    }

    /// <summary>A short description for logs, e.g. "cifar10-train".</summary>
    public string Name { get; }

    /// <summary>All pixels as one contiguous uint8 tensor (N, C, H, W), owned by this dataset.</summary>
    public Tensor Images => _images ?? throw new ObjectDisposedException(nameof(ImageDataset));

    /// <summary>Class index of each image, in [0, <see cref="ClassNames"/>.Length).</summary>
    public int[] Labels { get; }

    public string[] ClassNames { get; }

    /// <summary>Per-channel mean in [0, 1] units, used for normalisation.</summary>
    public float[] Mean { get; private set; }

    /// <summary>Per-channel standard deviation in [0, 1] units, used for normalisation.</summary>
    public float[] Std { get; private set; }

    /// <summary>
    /// Normalises with given statistics from now on instead of this split's own (e.g. the training
    /// data's, recorded in a checkpoint, or those a timm model expects).
    /// </summary>
    public void UseNormalisation(Normalisation normalisation)
    {
        if (normalisation.Mean.Length != Channels || normalisation.Std.Length != Channels)
            throw new ArgumentException($"normalisation has {normalisation.Mean.Length} means and {normalisation.Std.Length} stds for {Channels} channels");
        if (normalisation.Std.Any(s => !(s > 0))) throw new ArgumentException("std values must be positive");
        Mean = (float[])normalisation.Mean.Clone();
        Std = (float[])normalisation.Std.Clone();
    }

    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Bytes of one image: C·H·W.</summary>
    public int ImageBytes => Channels * Height * Width;

    /// <summary>
    /// The pixels of image <paramref name="index"/> in CHW layout, read straight from the tensor's
    /// storage. Valid while the dataset is not disposed; safe to read from several threads.
    /// </summary>
    public ReadOnlySpan<byte> GetPixels(int index)
    {
        ObjectDisposedException.ThrowIf(_images is null, this);
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"image {index} of {Count}");
        }
        return TensorMemory.Bytes(_pixels, (long)index * ImageBytes, ImageBytes);
    }

    /// <summary>The first <paramref name="count"/> images (all of them if there are fewer), as a new dataset.</summary>
    public ImageDataset Take(int count) =>
        Subset(Enumerable.Range(0, Math.Min(Math.Max(count, 0), Count)).ToArray(), $"{Name}[:{Math.Min(Math.Max(count, 0), Count)}]");

    /// <summary>
    /// The images at <paramref name="indices"/> (in that order, repeats allowed) copied into a new
    /// dataset that keeps this dataset's class names, mean and std, so it is normalised the same way.
    /// </summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ObjectDisposedException.ThrowIf(_images is null, this);
        Tensor images = TensorMemory.EmptyBytes(indices.Count, Channels, Height, Width);
        try
        {
            IntPtr target = TensorMemory.BaseAddress(images);
            var labels = new int[indices.Count];
            for (int i = 0; i < indices.Count; i++)
            {
                GetPixels(indices[i]).CopyTo(TensorMemory.Bytes(target, (long)i * ImageBytes, ImageBytes));
                labels[i] = Labels[indices[i]];
            }
            return new ImageDataset(name ?? $"{Name}[subset of {indices.Count}]", images, labels,
                ClassNames, (float[])Mean.Clone(), (float[])Std.Clone());
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>How many images carry each label.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassNames.Length];
        foreach (int label in Labels)
        {
            counts[label]++;
        }
        return counts;
    }

    public override string ToString() =>
        $"{Name}: {Count} images {Channels}x{Height}x{Width}, {ClassNames.Length} classes";

    public void Dispose()
    {
        _images?.Dispose();
        _images = null;
    }

    static string FormatShape(long[] shape) => "(" + string.Join(", ", shape) + ")";
}
