using RandSac.Data;
using RandSac.Evaluation;

namespace RandSac.Tests.Evaluation;

public sealed class RandAugmentTests
{
    const int C = 3, H = 8, W = 8;
    static readonly float[] Fill = [0.49f, 0.48f, 0.45f];

    static float[] Image(long seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, C * H * W).Select(_ => random.NextSingle()).ToArray();
    }

    static float[] Applied(RandAugmentOp op, double argument, float[] image)
    {
        var copy = (float[])image.Clone();
        RandAugmentOps.Apply(op, argument, copy, C, H, W, Fill);
        return copy;
    }

    public static TheoryData<RandAugmentOp> Ops() => new(Enum.GetValues<RandAugmentOp>());

    [Theory]
    [MemberData(nameof(Ops))]
    public void EveryOpKeepsTheShapeAndTheValueRange(RandAugmentOp op)
    {
        var image = Image(1);
        foreach (double magnitude in new[] { 0.0, 3, 9, 10 })
        foreach (bool negate in new[] { false, true })
        {
            var result = Applied(op, RandAugmentOps.Argument(op, magnitude, negate), image);
            Assert.Equal(image.Length, result.Length);
            Assert.All(result, v => Assert.InRange(v, 0f, 1f));
        }
    }

    [Theory]
    [InlineData(RandAugmentOp.Rotate)]
    [InlineData(RandAugmentOp.ShearX)]
    [InlineData(RandAugmentOp.ShearY)]
    [InlineData(RandAugmentOp.TranslateXRel)]
    [InlineData(RandAugmentOp.TranslateYRel)]
    [InlineData(RandAugmentOp.SolarizeAdd)]
    public void MagnitudeZeroIsTheIdentityForGeometricOpsAndSolarizeAdd(RandAugmentOp op)
    {
        var image = Image(2);
        Assert.Equal(image, Applied(op, RandAugmentOps.Argument(op, 0, negate: true), image));
        Assert.Equal(image, Applied(op, RandAugmentOps.Argument(op, 0, negate: false), image));
    }

    [Theory]
    [InlineData(RandAugmentOp.ColorIncreasing)]
    [InlineData(RandAugmentOp.ContrastIncreasing)]
    [InlineData(RandAugmentOp.BrightnessIncreasing)]
    [InlineData(RandAugmentOp.SharpnessIncreasing)]
    [InlineData(RandAugmentOp.SolarizeIncreasing)]
    public void IncreasingOpsAreTheIdentityAtMagnitudeZero(RandAugmentOp op)
    {
        var image = Image(3);
        Assert.Equal(image, Applied(op, RandAugmentOps.Argument(op, 0, negate: false), image), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(image, Applied(op, RandAugmentOps.Argument(op, 0, negate: true), image), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void TheOpsAreTimmsIncreasingSet() => Assert.Equal(
        // timm 0.9.16 auto_augment._RAND_INCREASING_TRANSFORMS, in its order.
        ["AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing", "SolarizeAdd",
         "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing",
         "ShearX", "ShearY", "TranslateXRel", "TranslateYRel"],
        Enum.GetNames<RandAugmentOp>());

    /// <summary>
    /// timm's level functions at magnitude m, level = m / 10 (_LEVEL_DENOM), worked by hand:
    /// rotate 30·level, shear 0.3·level, translate 0.45·level, each with the random sign;
    /// enhance-increasing max(0.1, 1 ± 0.9·level); posterize-increasing 4 − int(4·level);
    /// solarize-increasing 256 − min(256, int(256·level)); solarize-add min(128, int(110·level)).
    /// </summary>
    [Theory]
    [InlineData(RandAugmentOp.Rotate, 9, false, 27.0)]
    [InlineData(RandAugmentOp.Rotate, 9, true, -27.0)]
    [InlineData(RandAugmentOp.ShearX, 9, false, 0.27)]
    [InlineData(RandAugmentOp.ShearY, 9, true, -0.27)]
    [InlineData(RandAugmentOp.TranslateXRel, 9, false, 0.405)]
    [InlineData(RandAugmentOp.TranslateYRel, 9, true, -0.405)]
    [InlineData(RandAugmentOp.ColorIncreasing, 9, false, 1.81)]
    [InlineData(RandAugmentOp.ColorIncreasing, 9, true, 0.19)]
    [InlineData(RandAugmentOp.ContrastIncreasing, 9.5, false, 1.855)]
    [InlineData(RandAugmentOp.BrightnessIncreasing, 10, true, 0.1)]
    [InlineData(RandAugmentOp.SharpnessIncreasing, 10, false, 1.9)]
    [InlineData(RandAugmentOp.PosterizeIncreasing, 9, false, 1)]    // 4 − int(3.6)
    [InlineData(RandAugmentOp.PosterizeIncreasing, 9, true, 1)]     // unsigned
    [InlineData(RandAugmentOp.PosterizeIncreasing, 4, false, 3)]    // 4 − int(1.6)
    [InlineData(RandAugmentOp.PosterizeIncreasing, 10, false, 0)]
    [InlineData(RandAugmentOp.SolarizeIncreasing, 9, false, 26)]    // 256 − int(230.4)
    [InlineData(RandAugmentOp.SolarizeIncreasing, 8.6, true, 36)]   // 256 − int(220.16)
    [InlineData(RandAugmentOp.SolarizeIncreasing, 10, false, 0)]
    [InlineData(RandAugmentOp.SolarizeAdd, 9, false, 99)]
    [InlineData(RandAugmentOp.SolarizeAdd, 9.5, true, 104)]         // int(104.5)
    [InlineData(RandAugmentOp.AutoContrast, 9, true, 0)]
    public void MagnitudesMapToTimmsArguments(RandAugmentOp op, double magnitude, bool negate, double expected) =>
        Assert.Equal(expected, RandAugmentOps.Argument(op, magnitude, negate), 12);

    [Fact]
    public void KnownValues()
    {
        var image = Image(4);
        Assert.Equal(image.Select(v => 1 - v), Applied(RandAugmentOp.Invert, 0, image));
        Assert.Equal(image.Select(v => v / 2), Applied(RandAugmentOp.BrightnessIncreasing, 0.5, image), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(image, Applied(RandAugmentOp.PosterizeIncreasing, 8, image));
        // At magnitude 10 solarize inverts every value (threshold 0) and posterize keeps no bits.
        Assert.Equal(image.Select(v => 1 - v), Applied(RandAugmentOp.SolarizeIncreasing,
            RandAugmentOps.Argument(RandAugmentOp.SolarizeIncreasing, 10, false), image));
        Assert.All(Applied(RandAugmentOp.PosterizeIncreasing, RandAugmentOps.Argument(RandAugmentOp.PosterizeIncreasing, 10, false), image),
            v => Assert.Equal(0f, v));

        // Translating by one pixel to the left: out(x) = in(x + 1), the last column filled.
        var shifted = Applied(RandAugmentOp.TranslateXRel, 1.0 / W, image);
        for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            float expected = x + 1 < W ? image[(c * H + y) * W + x + 1] : Fill[c];
            Assert.Equal(expected, shifted[(c * H + y) * W + x], 6);
        }

        // Posterize to 1 bit: every value becomes 0 or 128/255.
        Assert.All(Applied(RandAugmentOp.PosterizeIncreasing, 1, image), v => Assert.True(v == 0f || Math.Abs(v - 128f / 255) < 1e-6));
    }

    [Fact]
    public void RandAugmentIsSeededAndAppliesAtMostItsOps()
    {
        var policy = new RandAugment();
        var a = Image(5);
        var b = (float[])a.Clone();
        var opsA = policy.Apply(a, C, H, W, Fill, new SeededRandom(9));
        var opsB = policy.Apply(b, C, H, W, Fill, new SeededRandom(9));
        Assert.Equal(opsA, opsB);
        Assert.Equal(a, b);
        Assert.InRange(opsA.Count, 0, 2);

        var always = new RandAugment(Probability: 1);
        Assert.Equal(2, always.Apply(Image(6), C, H, W, Fill, new SeededRandom(1)).Count);
        var none = new RandAugment(Ops: 0);
        var untouched = Image(7);
        Assert.Empty(none.Apply(untouched, C, H, W, Fill, new SeededRandom(1)));
        Assert.Equal(Image(7), untouched);
    }
}
