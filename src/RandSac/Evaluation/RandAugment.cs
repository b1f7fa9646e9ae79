using RandSac.Data;

namespace RandSac.Evaluation;

/// <summary>
/// timm's RandAugment, MAE's "rand-m9-mstd0.5-inc1" by default: <see cref="Ops"/> operations
/// drawn uniformly with replacement from the fifteen increasing-severity ops of
/// <see cref="RandAugmentOp"/>, each applied with probability <see cref="Probability"/> at a
/// magnitude drawn from Normal(<see cref="Magnitude"/>, <see cref="MagnitudeStd"/>) clipped to
/// [0, 10]; signed ops are negated with probability 1/2.
/// Works on planar float images in [0, 1].
/// </summary>
public sealed record RandAugment(int Ops = 2, double Magnitude = 9, double MagnitudeStd = 0.5, double Probability = 0.5)
{
    static readonly RandAugmentOp[] All = Enum.GetValues<RandAugmentOp>();

    public RandAugment Validated()
    {
        if (Ops < 0) throw new ArgumentException($"RandAugment needs a non-negative number of ops, got {Ops}");
        if (Magnitude is < 0 or > RandAugmentOps.MaxLevel) throw new ArgumentException($"RandAugment magnitude must be in [0, 10], got {Magnitude}");
        if (MagnitudeStd < 0) throw new ArgumentException($"RandAugment magnitude std must not be negative, got {MagnitudeStd}");
        if (Probability is < 0 or > 1) throw new ArgumentException($"RandAugment op probability must be in [0, 1], got {Probability}");
        return this;
    }

    /// <summary>Augments one image (C·H·W floats in [0, 1]) in place; returns the ops applied.</summary>
    public List<RandAugmentOp> Apply(Span<float> image, int channels, int height, int width, ReadOnlySpan<float> fill,
        SeededRandom random)
    {
        var applied = new List<RandAugmentOp>(Ops);
        for (int i = 0; i < Ops; i++)
        {
            var op = All[random.NextInt(All.Length)];
            if (Probability < 1 && random.NextDouble() > Probability) continue;
            double magnitude = Magnitude;
            if (MagnitudeStd > 0) magnitude = RandomDistributions.Normal(random, Magnitude, MagnitudeStd);
            magnitude = Math.Clamp(magnitude, 0, RandAugmentOps.MaxLevel);
            bool negate = random.NextDouble() > 0.5;
            RandAugmentOps.Apply(op, RandAugmentOps.Argument(op, magnitude, negate), image, channels, height, width, fill);
            applied.Add(op);
        }
        return applied;
    }
}
