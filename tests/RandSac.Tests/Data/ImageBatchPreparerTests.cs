using RandSac.Data;
using RandSac.Data.Augmentation;
using static TorchSharp.torch;

namespace RandSac.Tests.Data;

public class ImageBatchPreparerTests
{
    [Fact]
    public void BatchHoldsNormalisedFloatImagesAndInt64Labels()
    {
        using var data = SyntheticDataset.Generate(16, 16, seed: 2);
        var preparer = new ImageBatchPreparer(data, AugmentationOptions.None);

        using var batch = preparer.Prepare(new BatchRequest(0, 0, [3, 9, 4], Seed: 1));

        Assert.Equal([3L, 3, 16, 16], batch.Images.shape);
        Assert.Equal(ScalarType.Float32, batch.Images.dtype);
        Assert.Equal(ScalarType.Int64, batch.Labels.dtype);
        Assert.Equal(new long[] { data.Labels[3], data.Labels[9], data.Labels[4] }, batch.Labels.data<long>().ToArray());

        using var mean = tensor(data.Mean).view(1, 3, 1, 1);
        using var std = tensor(data.Std).view(1, 3, 1, 1);
        using var source = data.Images.index_select(0, tensor(new long[] { 3, 9, 4 }));
        using var expected = source.to_type(ScalarType.Float32).div(255f).sub(mean).div(std);
        Assert.True(batch.Images.allclose(expected, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void AugmentedBatchesAreReproducibleFromTheirRequest()
    {
        using var data = SyntheticDataset.Generate(40, 32, seed: 3);
        using var loader = ImageBatchPreparer.CreateLoader(data, AugmentationOptions.Pretrain, batchSize: 8, shuffle: true, dropLast: true, seed: 5);

        var straight = loader.Batches(0, 0, 2).ToList();
        var resumed = loader.Batches(1, 3, 2).ToList();
        try
        {
            // 40 samples in batches of 8: five per epoch, so (1, 3) is the ninth batch of the straight run.
            Assert.Equal(10, straight.Count);
            Assert.Equal(2, resumed.Count);
            for (int i = 0; i < 2; i++)
            {
                Assert.True(TensorAssert.Same(straight[8 + i].Images, resumed[i].Images));
                Assert.True(TensorAssert.Same(straight[8 + i].Labels, resumed[i].Labels));
            }
            // Different batches are augmented differently, even when they hold the same images.
            Assert.False(TensorAssert.Same(straight[0].Images, straight[5].Images));
        }
        finally
        {
            straight.ForEach(b => b.Dispose());
            resumed.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public void BatchesSurviveTheConsumersDisposeScope()
    {
        using var data = SyntheticDataset.Generate(8, 16, seed: 4);
        using var loader = ImageBatchPreparer.CreateLoader(data, AugmentationOptions.Pretrain, 4, false, false, 0);
        ImageBatch batch;
        using (NewDisposeScope())
        {
            batch = loader.Epoch(0).First();
        }
        using (batch)
        {
            Assert.Equal(4, batch.Images.shape[0]);
            Assert.True(batch.Images.isfinite().all().item<bool>());
        }
    }
}
