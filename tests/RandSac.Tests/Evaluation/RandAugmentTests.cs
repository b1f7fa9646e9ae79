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
    [InlineData(RandAugmentOp.Color)]
    [InlineData(RandAugmentOp.Contrast)]
    [InlineData(RandAugmentOp.Brightness)]
    [InlineData(RandAugmentOp.Sharpness)]
    public void EnhanceOpsAreTheIdentityAtFactorOne(RandAugmentOp op)
    {
        // timm's enhance levels map magnitude m to factor 0.1 + 1.8·m/10, so the identity is at m = 5.
        Assert.Equal(1.0, RandAugmentOps.Argument(op, 5, negate: false), 12);
        var image = Image(3);
        Assert.Equal(image, Applied(op, 1.0, image), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void KnownValues()
    {
        var image = Image(4);
        Assert.Equal(image.Select(v => 1 - v), Applied(RandAugmentOp.Invert, 0, image));
        Assert.Equal(image.Select(v => v / 2), Applied(RandAugmentOp.Brightness, 0.5, image), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(image, Applied(RandAugmentOp.Solarize, RandAugmentOps.Argument(RandAugmentOp.Solarize, 10, false), image));
        Assert.Equal(image, Applied(RandAugmentOp.Posterize, 8, image));

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
        Assert.All(Applied(RandAugmentOp.Posterize, 1, image), v => Assert.True(v == 0f || Math.Abs(v - 128f / 255) < 1e-6));
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
