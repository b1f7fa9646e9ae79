namespace RandSac.Data.Augmentation;

/// <summary>
/// Turns one uint8 CHW image into a normalised float CHW network input: an optional
/// torchvision-style random resized crop (bilinear, antialiased when shrinking), an optional
/// horizontal flip, and <c>(x/255 − mean)/std</c> per channel. Every random choice comes from
/// the <see cref="SeededRandom"/> passed in, so a seed fixes the result.
/// Not thread-safe (it reuses scratch buffers); use one per thread.
/// </summary>
public sealed class ImageAugmenter
{
    readonly PixelLayout _layout;
    readonly float[] _scale;
    readonly float[] _bias;
    readonly Resampler _resampler = new();

    public ImageAugmenter(int channels, int height, int width, float[] mean, float[] std, AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (mean.Length != channels || std.Length != channels)
        {
            throw new ArgumentException($"mean and std need {channels} values each");
        }
        _layout = PixelLayout.Planar(channels, height, width);
        Options = options;
        OutputSize = options.OutputSize ?? Math.Max(height, width);
        if (options.OutputSize is null && height != width && !options.RandomCrop)
        {
            // Without a crop a non-square image would be squashed; make the caller decide.
            throw new DataException($"images are {height}x{width}, not square; set an output size to resize them");
        }
        // Normalisation folded into one multiply-add: (v/255 − m)/s = v·(1/(255 s)) − m/s.
        _scale = new float[channels];
        _bias = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            _scale[c] = 1f / (255f * std[c]);
            _bias[c] = -mean[c] / std[c];
        }
    }

    public ImageAugmenter(ImageDataset dataset, AugmentationOptions options)
        : this(dataset.Channels, dataset.Height, dataset.Width, dataset.Mean, dataset.Std, options)
    {
    }

    public AugmentationOptions Options { get; }

    /// <summary>Side of the square output images.</summary>
    public int OutputSize { get; }

    /// <summary>Floats written per image: C·size·size.</summary>
    public int OutputLength => _layout.Channels * OutputSize * OutputSize;

    /// <summary>
    /// Augments <paramref name="image"/> (CHW bytes) into <paramref name="output"/> (CHW floats,
    /// <see cref="OutputLength"/> long) and returns the crop and flip that were applied.
    /// </summary>
    public (CropBox Crop, bool Flipped) Apply(ReadOnlySpan<byte> image, Span<float> output, SeededRandom random)
    {
        int height = _layout.Height, width = _layout.Width;
        if (image.Length != _layout.Channels * height * width)
        {
            throw new ArgumentException($"expected {_layout.Channels * height * width} bytes, got {image.Length}", nameof(image));
        }
        var crop = Options.RandomCrop
            ? RandomResizedCrop.GetParams(height, width, Options.ScaleMin, Options.ScaleMax, Options.RatioMin, Options.RatioMax, random)
            : CropBox.Whole(height, width);
        bool flip = Options.FlipProbability > 0 && random.NextBool(Options.FlipProbability);

        if (crop.Height == OutputSize && crop.Width == OutputSize)
        {
            CopyNormalised(image, crop, flip, output);
        }
        else
        {
            _resampler.Resample(image, _layout, crop, crop.Left, crop.Top, crop.Width, crop.Height,
                OutputSize, OutputSize, flip, _scale, _bias, output);
        }
        return (crop, flip);
    }

    /// <summary>Same as <see cref="Apply(ReadOnlySpan{byte}, Span{float}, SeededRandom)"/> with a fresh generator from <paramref name="seed"/>.</summary>
    public (CropBox Crop, bool Flipped) Apply(ReadOnlySpan<byte> image, Span<float> output, long seed) =>
        Apply(image, output, new SeededRandom(seed));

    // A crop already of the output size needs no resampling (the filter would be the identity).
    void CopyNormalised(ReadOnlySpan<byte> image, CropBox crop, bool flip, Span<float> output)
    {
        int size = OutputSize;
        for (int c = 0; c < _layout.Channels; c++)
        {
            float scale = _scale[c], bias = _bias[c];
            for (int y = 0; y < size; y++)
            {
                ReadOnlySpan<byte> row = image.Slice(c * _layout.ChannelStride + (crop.Top + y) * _layout.RowStride + crop.Left, size);
                Span<float> target = output.Slice((c * size + y) * size, size);
                if (flip)
                {
                    for (int x = 0; x < size; x++)
                    {
                        target[size - 1 - x] = row[x] * scale + bias;
                    }
                }
                else
                {
                    for (int x = 0; x < size; x++)
                    {
                        target[x] = row[x] * scale + bias;
                    }
                }
            }
        }
    }
}
