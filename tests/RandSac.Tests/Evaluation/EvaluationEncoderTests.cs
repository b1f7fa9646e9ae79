using RandSac.Data;
using RandSac.Evaluation;
using RandSac.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Evaluation;

public sealed class EvaluationEncoderTests(TinyRun run) : IClassFixture<TinyRun>
{
    [Fact]
    public void TheEncoderFromACheckpointHoldsItsEncoderWeights()
    {
        using var checkpoint = Checkpoint.Load(run.CheckpointPath);
        using var encoder = EvaluationEncoder.FromCheckpoint(checkpoint, EvaluationEncoder.ConfigOf(checkpoint.Config, 3, 16));
        var state = encoder.state_dict();
        Assert.NotEmpty(state);
        foreach (var (name, value) in state)
            Assert.True(TensorAssert.Same(checkpoint.Model["encoder." + name], value), $"encoder.{name} differs");
    }

    [Fact]
    public void AnEncoderOfAnotherShapeIsRejectedWithItsName()
    {
        using var checkpoint = Checkpoint.Load(run.CheckpointPath);
        var wrong = EvaluationEncoder.ConfigOf(checkpoint.Config with { Patch = 2 }, 3, 16);
        var error = Assert.Throws<InvalidDataException>(() => EvaluationEncoder.FromCheckpoint(checkpoint, wrong));
        Assert.Contains("encoder.patch_embed.proj.weight", error.Message);
    }

    [Fact]
    public void RandomInitialisationIsAFunctionOfTheSeed()
    {
        var config = new ViTConfig(32, 2, 2, 4, 3, 16, 16);
        using var a = EvaluationEncoder.RandomInit(config, 7);
        using var b = EvaluationEncoder.RandomInit(config, 7);
        using var c = EvaluationEncoder.RandomInit(config, 8);
        var sa = a.state_dict();
        Assert.All(b.state_dict(), p => Assert.True(TensorAssert.Same(sa[p.Key], p.Value)));
        Assert.False(TensorAssert.Same(sa["blocks.0.attn.qkv.weight"], c.state_dict()["blocks.0.attn.qkv.weight"]));
    }

    [Fact]
    public void ExtractedFeaturesAreTheEncodersFeaturesInDatasetOrder()
    {
        using var dataset = SyntheticDataset.Generate(DataSplit.Test, 10, 16, 3);
        using var encoder = EvaluationEncoder.RandomInit(new ViTConfig(32, 2, 2, 4, 3, 16, 16), 1);
        using var features = FeatureExtractor.Extract(encoder, dataset, batch: 4);
        Assert.Equal([10L, 32], features.Features.shape);
        Assert.Equal(dataset.Labels, features.Labels);

        using var all = ImageBatchPreparer.CreateLoader(dataset, RandSac.Data.Augmentation.AugmentationOptions.None, 10, false, false, 0);
        using var batch = all.Epoch(0).Single();
        encoder.eval();
        using var _ = no_grad();
        using var direct = encoder.Features(batch.Images);
        Assert.True(direct.allclose(features.Features, rtol: 1e-4, atol: 1e-5));
    }
}
