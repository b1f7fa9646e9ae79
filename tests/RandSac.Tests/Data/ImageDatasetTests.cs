using RandSac.Data;

namespace RandSac.Tests.Data;

public class ImageDatasetTests
{
    [Fact]
    public void SubsetCopiesTheChosenImagesAndKeepsNormalisation()
    {
        using var data = SyntheticDataset.Generate(12, 16, seed: 9);
        using var subset = data.Subset([7, 2, 7]);

        Assert.Equal(3, subset.Count);
        Assert.True(subset.GetPixels(0).SequenceEqual(data.GetPixels(7)));
        Assert.True(subset.GetPixels(1).SequenceEqual(data.GetPixels(2)));
        Assert.Equal([data.Labels[7], data.Labels[2], data.Labels[7]], subset.Labels);
        Assert.Equal(data.Mean, subset.Mean);
        Assert.Equal(data.ClassNames, subset.ClassNames);
    }

    [Fact]
    public void TakeReturnsTheFirstImagesAndSurvivesTheParent()
    {
        var data = SyntheticDataset.Generate(12, 16, seed: 9);
        byte first = data.GetPixels(0)[5];
        using var head = data.Take(4);
        data.Dispose();

        Assert.Equal(4, head.Count);
        Assert.Equal(first, head.GetPixels(0)[5]);
        Assert.Throws<ObjectDisposedException>(() => data.GetPixels(0).Length);
    }

    [Fact]
    public void DatasetOwnsItsTensorOutsideDisposeScopes()
    {
        ImageDataset data;
        using (TorchSharp.torch.NewDisposeScope())
        {
            data = SyntheticDataset.Generate(3, 16, seed: 1);
        }
        using (data)
        {
            Assert.Equal(3, data.Images.shape[0]);
        }
    }
}
