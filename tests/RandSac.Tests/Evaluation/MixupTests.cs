using RandSac.Data;
using RandSac.Evaluation;
using static TorchSharp.torch;

namespace RandSac.Tests.Evaluation;

public sealed class MixupTests
{
    static Tensor Labels(params long[] values) => tensor(values);

    static float[,] Rows(Tensor t)
    {
        var values = t.data<float>().ToArray();
        int rows = (int)t.shape[0], cols = (int)t.shape[1];
        var result = new float[rows, cols];
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            result[i, j] = values[i * cols + j];
        return result;
    }

    [Fact]
    public void MixedTargetsAreTheLambdaWeightedSmoothedOneHotsAndSumToOne()
    {
        var mixup = new Mixup(labelSmoothing: 0.1, classes: 3);
        using var targets = mixup.Targets(Labels(0, 1, 2), 0.7);
        var t = Rows(targets);
        // Smoothed one-hot: 1 − 0.1 + 0.1/3 on the class, 0.1/3 elsewhere; the partner of row i is row 2 − i.
        double off = 0.1 / 3, on = 0.9 + off;
        double[,] expected =
        {
            { 0.7 * on + 0.3 * off, off, 0.7 * off + 0.3 * on },
            { off, on, off },
            { 0.7 * off + 0.3 * on, off, 0.7 * on + 0.3 * off },
        };
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1.0, t[i, 0] + t[i, 1] + t[i, 2], 5);
            for (int j = 0; j < 3; j++) Assert.Equal(expected[i, j], t[i, j], 5);
        }
    }

    [Fact]
    public void MixupBlendsEachImageWithItsPartnerByLambda()
    {
        var mixup = new Mixup(mixupAlpha: 0.8, cutmixAlpha: 0, labelSmoothing: 0, classes: 4);
        using var original = rand(4, 3, 4, 4);
        using var images = original.clone();
        var (targets, draw) = mixup.Apply(images, Labels(0, 1, 2, 3), new SeededRandom(5));
        using (targets)
        {
            Assert.False(draw.CutMix);
            Assert.InRange(draw.Lambda, 0, 1);
            using var expected = original * draw.Lambda + original.flip(0) * (1 - draw.Lambda);
            Assert.True(images.allclose(expected, rtol: 1e-5, atol: 1e-6));
            var t = Rows(targets);
            Assert.Equal(draw.Lambda, t[0, 0], 5);
            Assert.Equal(1 - draw.Lambda, t[0, 3], 5);
        }
    }

    [Fact]
    public void CutmixWeightIsThePastedAreaFraction()
    {
        var mixup = new Mixup(mixupAlpha: 0, cutmixAlpha: 1.0, labelSmoothing: 0, classes: 2);
        int pasted = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            using var original = rand(2, 3, 8, 8);
            using var images = original.clone();
            var (targets, draw) = mixup.Apply(images, Labels(0, 1), new SeededRandom(seed));
            using (targets)
            {
                Assert.True(draw.CutMix);
                int area = (draw.Bottom - draw.Top) * (draw.Right - draw.Left);
                Assert.Equal(1.0 - area / 64.0, draw.Lambda, 12);
                // Inside the box: the partner's pixels; outside: the image's own.
                using var changed = images.ne(original).any(1); // (B, H, W)
                var mask = changed[0].data<bool>().ToArray();
                for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                {
                    bool inside = y >= draw.Top && y < draw.Bottom && x >= draw.Left && x < draw.Right;
                    Assert.Equal(inside, mask[y * 8 + x]);
                }
                var t = Rows(targets);
                Assert.Equal(draw.Lambda, t[0, 0], 5);
                Assert.Equal(1 - draw.Lambda, t[0, 1], 5);
                if (area > 0) pasted++;
            }
        }
        Assert.True(pasted > 10, $"only {pasted} of 20 draws pasted a box");
    }

    [Fact]
    public void TheSwitchProbabilityChoosesCutmixAboutHalfTheTime()
    {
        var mixup = new Mixup(classes: 2);
        var random = new SeededRandom(3);
        int cutmix = 0;
        for (int i = 0; i < 400; i++)
        {
            using var images = zeros(2, 1, 4, 4);
            var (targets, draw) = mixup.Apply(images, Labels(0, 1), random);
            targets.Dispose();
            if (draw.CutMix) cutmix++;
        }
        Assert.InRange(cutmix, 160, 240);
    }

    [Fact]
    public void BetaDrawsHaveTheRightMean()
    {
        var random = new SeededRandom(11);
        double mean = Enumerable.Range(0, 4000).Average(_ => RandomDistributions.Beta(random, 0.8, 0.8));
        Assert.InRange(mean, 0.47, 0.53);
        double skewed = Enumerable.Range(0, 4000).Average(_ => RandomDistributions.Beta(random, 2, 6));
        Assert.InRange(skewed, 0.23, 0.27);
    }
}
