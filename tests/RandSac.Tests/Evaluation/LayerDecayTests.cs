using RandSac.Evaluation;
using RandSac.Models;
using static TorchSharp.torch;

namespace RandSac.Tests.Evaluation;

public sealed class LayerDecayTests
{
    static Classifier TwoBlockClassifier()
    {
        manual_seed(1);
        return new Classifier(new VisionTransformer(new ViTConfig(16, 2, 2, 4, 3, 8, 8)), 10);
    }

    /// <summary>The layer each parameter belongs to, spelled out for a 2-block model.</summary>
    static int ExpectedId(string name) =>
        name.StartsWith("encoder.patch_embed.") ? 0
        : name.StartsWith("encoder.blocks.0.") ? 1
        : name.StartsWith("encoder.blocks.1.") ? 2
        : 3; // encoder.norm.*, head.*

    [Fact]
    public void EveryGroupOfATwoBlockModelTrainsAtDecayToTheThreeMinusItsLayer()
    {
        using var model = TwoBlockClassifier();
        var named = model.named_parameters().ToList();
        using var optimizer = new LayerDecayAdamW(named.Select(p => (p.name, p.parameter)), depth: 2, decay: 0.65, weightDecay: 0.05);

        Assert.Equal([0, 1, 2, 3], optimizer.Groups.Select(g => g.LayerId));
        foreach (var group in optimizer.Groups)
        {
            Assert.Equal(Math.Pow(0.65, 3 - group.LayerId), group.Scale, 12);
            Assert.All(group.Names, name => Assert.Equal(group.LayerId, ExpectedId(name)));
        }
        Assert.Equal(named.Select(p => p.name).Order(), optimizer.Groups.SelectMany(g => g.Names).Order());
        Assert.Contains("head.weight", optimizer.Groups[3].Names);
        Assert.Contains("encoder.norm.weight", optimizer.Groups[3].Names);
        Assert.Contains("encoder.patch_embed.proj.weight", optimizer.Groups[0].Names);
    }

    [Fact]
    public void AFirstAdamStepMovesEachParameterByItsGroupsRate()
    {
        using var model = TwoBlockClassifier();
        var named = model.named_parameters().ToList();
        using var optimizer = new LayerDecayAdamW(named.Select(p => (p.name, p.parameter)), depth: 2, decay: 0.5, weightDecay: 0);
        var before = named.ToDictionary(p => p.name, p => p.parameter.detach().clone());
        // The optimiser owns the gradients' storage: fill them in place.
        foreach (var (_, p) in named) p.grad!.fill_(1);
        optimizer.Step(0.01);

        // Adam's first step is lr·g/(|g|+eps) ≈ lr per element, here lr × 0.5^(3−id).
        foreach (var (name, p) in named)
        {
            double expected = -0.01 * Math.Pow(0.5, 3 - ExpectedId(name));
            double moved = (p - before[name]).mean().item<float>();
            Assert.True(Math.Abs(moved - expected) < 1e-6 * Math.Max(1, Math.Abs(expected) * 1e3), $"{name} moved {moved}, expected {expected}");
        }
    }

    [Theory]
    [InlineData("encoder.patch_embed.proj.weight", 12, 0)]
    [InlineData("pos_embed", 12, 0)]
    [InlineData("encoder.blocks.0.attn.qkv.weight", 12, 1)]
    [InlineData("blocks.11.mlp.fc2.bias", 12, 12)]
    [InlineData("encoder.norm.bias", 12, 13)]
    [InlineData("head.weight", 12, 13)]
    public void LayerIdsFollowTheNames(string name, int depth, int id) => Assert.Equal(id, LayerDecay.LayerId(name, depth));
}
