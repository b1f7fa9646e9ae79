namespace RandSac.Data;

/// <summary>
/// Per-channel mean and standard deviation of uint8 images in [0, 1] units. Counting byte
/// values per channel (a 256-bin histogram) is exact and much cheaper than float sums.
/// </summary>
internal sealed class PixelStatistics
{
    readonly long[][] _histograms;

    public PixelStatistics(int channels)
    {
        _histograms = new long[channels][];
        for (int c = 0; c < channels; c++)
        {
            _histograms[c] = new long[256];
        }
    }

    /// <summary>Counts one image in CHW layout.</summary>
    public void Add(ReadOnlySpan<byte> chw)
    {
        int plane = chw.Length / _histograms.Length;
        for (int c = 0; c < _histograms.Length; c++)
        {
            long[] histogram = _histograms[c];
            foreach (byte value in chw.Slice(c * plane, plane))
            {
                histogram[value]++;
            }
        }
    }

    /// <summary>Adds another accumulator's counts (for parallel accumulation).</summary>
    public void Add(PixelStatistics other)
    {
        for (int c = 0; c < _histograms.Length; c++)
        {
            for (int v = 0; v < 256; v++)
            {
                _histograms[c][v] += other._histograms[c][v];
            }
        }
    }

    /// <summary>Mean and (population) standard deviation per channel, in [0, 1] units.</summary>
    public (float[] Mean, float[] Std) Result()
    {
        int channels = _histograms.Length;
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double count = 0, sum = 0, sumSquares = 0;
            for (int v = 0; v < 256; v++)
            {
                double n = _histograms[c][v];
                double x = v / 255.0;
                count += n;
                sum += n * x;
                sumSquares += n * x * x;
            }
            double m = count > 0 ? sum / count : 0;
            double variance = count > 0 ? Math.Max(0, sumSquares / count - m * m) : 0;
            mean[c] = (float)m;
            // A constant channel would make normalisation divide by zero; 1 leaves it unscaled.
            std[c] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }
        return (mean, std);
    }
}
