using RandSac.Data;

namespace RandSac.Tests.Data;

public class SyntheticDatasetTests
{
    [Fact]
    public void SameSeedGivesIdenticalBytes()
    {
        using var a = SyntheticDataset.Generate(50, 32, seed: 11);
        using var b = SyntheticDataset.Generate(50, 32, seed: 11);

        Assert.True(TensorAssert.Same(a.Images, b.Images));
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Mean, b.Mean);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentImages()
    {
        using var a = SyntheticDataset.Generate(20, 32, seed: 1);
        using var b = SyntheticDataset.Generate(20, 32, seed: 2);

        for (int i = 0; i < a.Count; i++)
        {
            Assert.False(a.GetPixels(i).SequenceEqual(b.GetPixels(i)), $"image {i} is the same for both seeds");
        }
    }

    [Fact]
    public void AllClassesAppearEquallyAndImagesHaveTheRequestedShape()
    {
        using var data = SyntheticDataset.Generate(100, 24, seed: 3);

        Assert.Equal([100L, 3, 24, 24], data.Images.shape);
        Assert.Equal(Enumerable.Repeat(10, 10), data.ClassCounts());
        Assert.Equal(10, data.ClassNames.Distinct().Count());
    }

    [Fact]
    public void MeanAndStdAreMeasuredOnTheImages()
    {
        using var data = SyntheticDataset.Generate(40, 16, seed: 5);
        using var scaled = data.Images.to_type(TorchSharp.torch.ScalarType.Float64).div(255.0);
        using var mean = scaled.mean([0L, 2, 3]);
        using var std = scaled.std([0L, 2, 3], unbiased: false);

        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(mean[c].item<double>(), data.Mean[c], 5);
            Assert.Equal(std[c].item<double>(), data.Std[c], 5);
        }
    }

    [Fact]
    public void TrainAndTestSplitsDiffer()
    {
        using var train = SyntheticDataset.Generate(DataSplit.Train, 10, 16, seed: 0);
        using var test = SyntheticDataset.Generate(DataSplit.Test, 10, 16, seed: 0);

        Assert.False(TensorAssert.Same(train.Images, test.Images));
    }

    [Fact]
    public void ClassesAreSeparableByASimpleClassifier()
    {
        // A nearest-class-mean classifier on crude hand-made features should beat chance by far
        // if the classes differ in shape and texture; it is not expected to be perfect.
        using var train = SyntheticDataset.Generate(DataSplit.Train, 1000, 32, seed: 4);
        using var test = SyntheticDataset.Generate(DataSplit.Test, 300, 32, seed: 4);
        var centroids = new double[10][];
        for (int k = 0; k < 10; k++)
        {
            var members = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] == k).Select(i => Features(train.GetPixels(i))).ToList();
            centroids[k] = Enumerable.Range(0, members[0].Length).Select(f => members.Average(m => m[f])).ToArray();
        }
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            var features = Features(test.GetPixels(i));
            int best = Enumerable.Range(0, 10).MinBy(k => centroids[k].Zip(features, (a, b) => (a - b) * (a - b)).Sum());
            correct += best == test.Labels[i] ? 1 : 0;
        }
        double accuracy = correct / (double)test.Count;
        Assert.True(accuracy > 0.25, $"nearest-mean accuracy {accuracy:P0} is near chance (10%)");
    }

    // Gradient-energy histogram of the luminance: horizontal vs vertical edges at two scales.
    static double[] Features(ReadOnlySpan<byte> chw)
    {
        const int size = 32;
        var luminance = new double[size * size];
        for (int i = 0; i < luminance.Length; i++)
        {
            luminance[i] = (chw[i] + chw[1024 + i] + chw[2048 + i]) / 765.0;
        }
        double gx1 = 0, gy1 = 0, gx2 = 0, gy2 = 0, lap = 0;
        for (int y = 2; y < size - 2; y++)
        {
            for (int x = 2; x < size - 2; x++)
            {
                double c = luminance[y * size + x];
                gx1 += Math.Abs(luminance[y * size + x + 1] - c);
                gy1 += Math.Abs(luminance[(y + 1) * size + x] - c);
                gx2 += Math.Abs(luminance[y * size + x + 2] - c);
                gy2 += Math.Abs(luminance[(y + 2) * size + x] - c);
                lap += Math.Abs(4 * c - luminance[y * size + x - 1] - luminance[y * size + x + 1] - luminance[(y - 1) * size + x] - luminance[(y + 1) * size + x]);
            }
        }
        double total = gx1 + gy1 + 1e-9;
        return [gx1 / total, gx2 / (gx2 + gy2 + 1e-9), lap / total, total / 100, (gx2 + gy2) / total];
    }
}
