using RandSac.Plans;

namespace RandSac.Models;

/// <summary>
/// Samples MAE masks: per image, a uniformly random subset of ⌊N·(1−ratio)⌋ visible tokens
/// (MAE's rule), the rest masked. Depends only on the seed; thread-safe.
/// </summary>
public sealed class MaeMaskSampler : IBatchInputSampler
{
    public MaeMaskSampler(int tokenCount, double maskRatio = 0.75)
    {
        if (maskRatio is <= 0.0 or >= 1.0) throw new ArgumentException($"mask ratio must be in (0, 1), got {maskRatio}");
        TokenCount = tokenCount;
        MaskRatio = maskRatio;
        KeepCount = (int)(tokenCount * (1.0 - maskRatio));
        if (KeepCount < 1 || KeepCount >= tokenCount)
            throw new ArgumentException($"mask ratio {maskRatio} on {tokenCount} tokens leaves {KeepCount} visible");
    }

    public int TokenCount { get; }
    public double MaskRatio { get; }

    /// <summary>K, the number of visible tokens per image.</summary>
    public int KeepCount { get; }

    /// <summary>Masks of images <paramref name="firstPosition"/> … of a batch; each image's depends only on the seed and its position.</summary>
    public MaeMask SampleMask(int count, int seed, int firstPosition = 0)
    {
        var rows = new int[count][];
        var order = new int[TokenCount];
        for (int b = 0; b < count; b++)
        {
            for (int t = 0; t < TokenCount; t++) order[t] = t;
            PlanSampler.ImageRandom(seed, firstPosition + b).Shuffle(order);
            rows[b] = order[..KeepCount];
        }
        return MaeMask.FromVisible(rows, TokenCount);
    }

    public PretrainBatchInputs Sample(int count, int seed, int firstPosition = 0) =>
        PretrainBatchInputs.ForMae(SampleMask(count, seed, firstPosition));
}
