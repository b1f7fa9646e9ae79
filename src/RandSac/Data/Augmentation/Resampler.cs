using System.Numerics;
using System.Runtime.InteropServices;

namespace RandSac.Data.Augmentation;

/// <summary>
/// Bilinear resampling of a rectangle of a uint8 image to a float CHW output, with
/// antialiasing when shrinking: the separable triangle-filter convolution of PIL's
/// <c>resize(BILINEAR)</c>, which is also what torchvision's <c>resize(antialias=True)</c>
/// computes. When enlarging this equals plain bilinear interpolation with half-pixel centres
/// (align_corners=False). Samples outside the valid region are never read: the filter is
/// renormalised at its edge, as if the valid region had been cropped out first.
/// Not thread-safe (it reuses scratch buffers); use one per thread.
/// </summary>
internal sealed class Resampler
{
    readonly Axis _horizontal = new();
    readonly Axis _vertical = new();
    float[] _rows = [];
    float[] _accumulator = [];

    /// <summary>
    /// Resamples the source rectangle [<paramref name="left"/>, +<paramref name="boxWidth"/>) ×
    /// [<paramref name="top"/>, +<paramref name="boxHeight"/>) (fractional allowed) to
    /// <paramref name="outHeight"/>×<paramref name="outWidth"/>, reading only pixels inside
    /// <paramref name="valid"/>, mirrored left-right if <paramref name="flip"/>, and writes
    /// <c>value·scale[c] + bias[c]</c> (value in 0..255) to <paramref name="output"/> in CHW order.
    /// </summary>
    public void Resample(ReadOnlySpan<byte> source, PixelLayout layout, CropBox valid,
        double left, double top, double boxWidth, double boxHeight,
        int outHeight, int outWidth, bool flip,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<float> output)
    {
        int channels = layout.Channels;
        if (output.Length < channels * outHeight * outWidth)
        {
            throw new ArgumentException("output is too small", nameof(output));
        }
        _horizontal.Compute(left - valid.Left, boxWidth, valid.Width, outWidth);
        _vertical.Compute(top - valid.Top, boxHeight, valid.Height, outHeight);

        // Only the source rows some output row needs go through the horizontal pass.
        int firstRow = _vertical.Start[0];
        int endRow = _vertical.Start[outHeight - 1] + _vertical.Count[outHeight - 1];
        int rowCount = endRow - firstRow;
        EnsureSize(ref _rows, channels * rowCount * outWidth);
        EnsureSize(ref _accumulator, outWidth);

        for (int c = 0; c < channels; c++)
        {
            for (int r = 0; r < rowCount; r++)
            {
                int rowBase = c * layout.ChannelStride + (valid.Top + firstRow + r) * layout.RowStride + valid.Left * layout.PixelStride;
                Span<float> target = _rows.AsSpan((c * rowCount + r) * outWidth, outWidth);
                HorizontalPass(source, rowBase, layout.PixelStride, target, flip);
            }
        }

        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < outHeight; y++)
            {
                VerticalPass(c, y, rowCount, firstRow, output.Slice((c * outHeight + y) * outWidth, outWidth), scale[c], bias[c]);
            }
        }
    }

    // One output row of one channel: weighted sum of filtered source rows, then scale and bias.
    void VerticalPass(int channel, int y, int rowCount, int firstRow, Span<float> target, float scale, float bias)
    {
        int outWidth = target.Length;
        Span<float> accumulator = _accumulator.AsSpan(0, outWidth);
        accumulator.Clear();
        int start = _vertical.Start[y];
        ReadOnlySpan<float> weights = _vertical.WeightsOf(y);
        var accumulatorVectors = MemoryMarshal.Cast<float, Vector<float>>(accumulator);
        int vectorised = accumulatorVectors.Length * Vector<float>.Count;
        for (int k = 0; k < weights.Length; k++)
        {
            float weight = weights[k];
            ReadOnlySpan<float> row = _rows.AsSpan((channel * rowCount + start + k - firstRow) * outWidth, outWidth);
            var rowVectors = MemoryMarshal.Cast<float, Vector<float>>(row);
            var weightVector = new Vector<float>(weight);
            for (int v = 0; v < accumulatorVectors.Length; v++)
            {
                accumulatorVectors[v] += weightVector * rowVectors[v];
            }
            for (int x = vectorised; x < outWidth; x++)
            {
                accumulator[x] += weight * row[x];
            }
        }
        var targetVectors = MemoryMarshal.Cast<float, Vector<float>>(target);
        var scaleVector = new Vector<float>(scale);
        var biasVector = new Vector<float>(bias);
        for (int v = 0; v < targetVectors.Length; v++)
        {
            targetVectors[v] = accumulatorVectors[v] * scaleVector + biasVector;
        }
        for (int x = vectorised; x < outWidth; x++)
        {
            target[x] = accumulator[x] * scale + bias;
        }
    }

    void HorizontalPass(ReadOnlySpan<byte> source, int rowBase, int pixelStride, Span<float> target, bool flip)
    {
        int outWidth = target.Length;
        int[] starts = _horizontal.Start;
        int[] counts = _horizontal.Count;
        for (int x = 0; x < outWidth; x++)
        {
            int count = counts[x];
            ReadOnlySpan<float> weights = _horizontal.WeightsOf(x);
            // One slice per output lets the loop below run without per-tap bounds checks.
            ReadOnlySpan<byte> pixels = source.Slice(rowBase + starts[x] * pixelStride, (count - 1) * pixelStride + 1);
            float sum = 0;
            for (int k = 0, index = 0; k < weights.Length; k++, index += pixelStride)
            {
                sum += weights[k] * pixels[index];
            }
            target[flip ? outWidth - 1 - x : x] = sum;
        }
    }

    static void EnsureSize(ref float[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            buffer = new float[size];
        }
    }

    /// <summary>Filter taps along one axis: for each output position, a run of source positions and their weights.</summary>
    sealed class Axis
    {
        public int[] Start = [];
        public int[] Count = [];
        float[] _weights = [];
        int _taps;

        public ReadOnlySpan<float> WeightsOf(int output) => _weights.AsSpan(output * _taps, Count[output]);

        /// <summary>
        /// <paramref name="boxStart"/> is relative to the valid region's start; source positions
        /// are clamped to [0, <paramref name="inSize"/>) and reported relative to it.
        /// </summary>
        public void Compute(double boxStart, double boxSize, int inSize, int outSize)
        {
            if (outSize <= 0 || inSize <= 0 || !(boxSize > 0))
            {
                throw new ArgumentException($"cannot resample a box of {boxSize} pixels from {inSize} to {outSize}");
            }
            double scale = boxSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            // The triangle filter has support 1, widened by the shrink factor to antialias.
            double support = filterScale;
            _taps = (int)Math.Ceiling(support) * 2 + 1;
            if (Start.Length < outSize)
            {
                Start = new int[outSize];
                Count = new int[outSize];
            }
            if (_weights.Length < outSize * _taps)
            {
                _weights = new float[outSize * _taps];
            }

            double inverseFilterScale = 1.0 / filterScale;
            for (int i = 0; i < outSize; i++)
            {
                double center = boxStart + (i + 0.5) * scale;
                int min = Math.Max((int)Math.Floor(center - support + 0.5), 0);
                int max = Math.Min((int)Math.Floor(center + support + 0.5), inSize);
                int count = Math.Min(Math.Max(max - min, 0), _taps);
                Span<float> weights = _weights.AsSpan(i * _taps, _taps);
                double total = 0;
                for (int k = 0; k < count; k++)
                {
                    double distance = Math.Abs((min + k - center + 0.5) * inverseFilterScale);
                    double w = distance < 1.0 ? 1.0 - distance : 0.0;
                    weights[k] = (float)w;
                    total += w;
                }
                if (total <= 0)
                {
                    // A box entirely outside the valid region: take the nearest valid pixel.
                    min = Math.Clamp((int)Math.Floor(center), 0, inSize - 1);
                    count = 1;
                    weights[0] = 1f;
                    total = 1;
                }
                for (int k = 0; k < count; k++)
                {
                    weights[k] = (float)(weights[k] / total);
                }
                Start[i] = min;
                Count[i] = count;
            }
        }
    }
}
