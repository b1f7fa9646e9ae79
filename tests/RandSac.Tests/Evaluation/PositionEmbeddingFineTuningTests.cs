using RandSac.Data;
using RandSac.Evaluation;
using RandSac.Models;
using static TorchSharp.torch;

namespace RandSac.Tests.Evaluation;

/// <summary>Fine-tuning trains the position embedding as MAE does; pre-training keeps the fixed table.</summary>
public sealed class PositionEmbeddingFineTuningTests
{
    static readonly ViTConfig Small = new(16, 2, 2, 4, 3, 16, 16);

    [Fact]
    public void PreTrainingEncodersHaveNoPositionParameter()
    {
        manual_seed(1);
        using var encoder = new VisionTransformer(Small);
        Assert.DoesNotContain(encoder.named_parameters(), p => p.name.Contains("pos_embed"));
        Assert.DoesNotContain("pos_embed", encoder.state_dict().Keys);
    }

    [Fact]
    public void AFineTuningStepChangesThePositionEmbeddingItStartedFromTheSinCosTable()
    {
        using var train = SyntheticDataset.Generate(16, imageSize: 16, seed: 1);
        using var test = SyntheticDataset.Generate(8, imageSize: 16, seed: 2);
        manual_seed(1);
        using var encoder = new VisionTransformer(Small);
        var options = new FineTuneOptions { Epochs = 1, Batch = 8, WarmupEpochs = 0, EvalBatch = 8 };
        var outcome = new FineTuning(options).Run(encoder, train, test);
        Assert.Equal(2, outcome.Steps);

        Assert.True(encoder.TrainsPositionEmbedding);
        var posEmbed = encoder.named_parameters().Single(p => p.name == "pos_embed").parameter;
        Assert.Equal([1L, 16, 16], posEmbed.shape);
        Assert.True(posEmbed.requires_grad);
        using var table = encoder.PositionEmbedding.unsqueeze(0);
        Assert.True((posEmbed - table).abs().max().item<float>() > 0, "pos_embed did not move in fine-tuning");
        // It moved from the sin-cos table by a fine-tuning step's size, not replaced by something else.
        Assert.True((posEmbed - table).abs().max().item<float>() < 0.01);
    }

    [Fact]
    public void ThePositionEmbeddingIsLayerZeroAndTakesNoWeightDecay()
    {
        manual_seed(1);
        using var model = new Classifier(new VisionTransformer(Small), 10);
        model.Encoder.TrainPositionEmbedding();
        var named = model.named_parameters().ToList();
        using var optimizer = new LayerDecayAdamW(named.Select(p => (p.name, p.parameter)), depth: 2, decay: 0.65, weightDecay: 0.5);

        var layerZero = optimizer.Groups.Single(g => g.LayerId == 0);
        Assert.Contains("encoder.pos_embed", layerZero.Names);
        Assert.Equal(Math.Pow(0.65, 3), layerZero.Scale, 12);

        // With zero gradients a step is pure decoupled weight decay: decayed matrices shrink,
        // pos_embed (3-D, but exempt) must not move.
        var posEmbed = named.Single(p => p.name == "encoder.pos_embed").parameter;
        var patchWeight = named.Single(p => p.name == "encoder.patch_embed.proj.weight").parameter;
        using var posBefore = posEmbed.detach().clone();
        using var patchBefore = patchWeight.detach().clone();
        optimizer.ZeroGrad();
        optimizer.Step(0.1);
        Assert.Equal(0f, (posEmbed - posBefore).abs().max().item<float>());
        Assert.True((patchWeight - patchBefore * (1 - 0.1 * Math.Pow(0.65, 3) * 0.5)).abs().max().item<float>() < 1e-6);
    }
}
