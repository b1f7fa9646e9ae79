using RandSac.Data;
using RandSac.Data.Augmentation;

namespace RandSac.Tests.Data;

public class RandomResizedCropTests
{
    [Fact]
    public void AreaAndAspectStayWithinTheirRanges()
    {
        // On a large image the rounding of sides barely moves area and aspect off their draws.
        const int size = 224;
        var random = new SeededRandom(42);
        var fractions = new List<double>();
        var ratios = new List<double>();
        for (int i = 0; i < 4000; i++)
        {
            var box = RandomResizedCrop.GetParams(size, size, 0.2, 1.0, 3.0 / 4, 4.0 / 3, random);
            Assert.InRange(box.Top, 0, size - box.Height);
            Assert.InRange(box.Left, 0, size - box.Width);
            double fraction = box.Area / (double)(size * size);
            double ratio = box.Width / (double)box.Height;
            Assert.InRange(fraction, 0.2 - 0.01, 1.0);
            Assert.InRange(ratio, 0.75 - 0.01, 4.0 / 3 + 0.01);
            fractions.Add(fraction);
            ratios.Add(ratio);
        }
        // The draws cover the ranges, and log-uniform ratios fall on either side of 1 about equally.
        Assert.True(fractions.Min() < 0.22 && fractions.Max() > 0.97);
        Assert.True(ratios.Min() < 0.77 && ratios.Max() > 1.3);
        double belowOne = ratios.Count(r => r < 1) / (double)ratios.Count;
        Assert.InRange(belowOne, 0.42, 0.58);
    }

    [Fact]
    public void ImpossibleDrawsFallBackToAClampedCentreCrop()
    {
        // A 100×10 strip never fits a square crop of 90%+ of its area: the fallback clamps the ratio.
        var box = RandomResizedCrop.GetParams(10, 100, 0.9, 1.0, 1.0, 1.0, new SeededRandom(1));
        Assert.Equal(new CropBox(0, 45, 10, 10), box);

        var tall = RandomResizedCrop.GetParams(100, 10, 0.9, 1.0, 0.5, 0.5, new SeededRandom(1));
        Assert.Equal(new CropBox(40, 0, 20, 10), tall);
    }

    [Fact]
    public void SameSeedSameCrop()
    {
        var a = RandomResizedCrop.GetParams(32, 32, 0.2, 1, 0.75, 4.0 / 3, new SeededRandom(5));
        var b = RandomResizedCrop.GetParams(32, 32, 0.2, 1, 0.75, 4.0 / 3, new SeededRandom(5));
        Assert.Equal(a, b);
    }
}
