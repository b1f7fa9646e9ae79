using RandSac.Models;
using RandSac.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static RandSac.Tests.Models.ModelTestKit;

namespace RandSac.Tests.Models;

[Collection(TorchGlobalState.Name)]
public class ModelTests
{
    [Theory]
    [InlineData(4, 3)]
    [InlineData(2, 2)]
    [InlineData(1, 3)]
    public void PatchEmbeddingOnPatchVectorsEqualsTheStridedConv(int patch, int channels)
    {
        torch.manual_seed(2);
        var config = new ViTConfig(32, 1, 2, patch, channels, 8, 12);
        using var encoder = Float64(new VisionTransformer(config));
        using var scope = NewDisposeScope();
        var embed = encoder.PatchEmbedding;
        var images = randn([3, channels, 8, 12], dtype: float64);
        var conv = nn.functional.conv2d(images, embed.Weight, embed.Bias, strides: [patch, patch]) // (B, D, h, w)
            .flatten(2).transpose(1, 2);
        var linear = embed.forward(Patches.Patchify(images, patch));
        Assert.Equal(conv.shape, linear.shape);
        Assert.True(MaxAbsDiff(conv, linear) < 1e-12);
    }

    [Fact]
    public void ForwardShapesOfEveryMethod()
    {
        var config = Tiny();
        using var scope = NewDisposeScope();
        var images = Images(3, config, 1, ScalarType.Float32);
        foreach (var method in new[] { PretrainMethod.RandSac, PretrainMethod.TwoStream, PretrainMethod.Mae })
        {
            torch.manual_seed(0);
            var options = new PretrainOptions(method, config, TinyDecoder);
            using var model = PretrainerFactory.Create(options);
            Assert.Equal(method, model.Method);
            using var inputs = PretrainerFactory.CreateInputSampler(options, "square:2", "hier:4").Sample(3, 7);
            var output = model.Forward(images, inputs, normPixLoss: false);
            long targets = method == PretrainMethod.Mae ? 48 : 60; // 64 tokens; 16 segments of 4
            Assert.Equal([3L, targets, config.PatchDim], output.Prediction.shape);
            Assert.Equal([3L, targets], output.TargetTokens.shape);
            Assert.Empty(output.Loss.shape);
            Assert.True(double.IsFinite(output.Loss.item<float>()));
        }
    }

    [Fact]
    public void FeaturesAreTheMeanOfTheFinalNormedTokens()
    {
        torch.manual_seed(3);
        var config = Tiny();
        using var encoder = Float64(new VisionTransformer(config));
        using var scope = NewDisposeScope();
        var images = Images(2, config, 2);
        var features = encoder.Features(images);
        Assert.Equal([2L, config.Dim], features.shape);
        var all = encoder.Forward(Patches.Patchify(images, config.PatchSize)).Output;
        Assert.Equal([2L, config.TokenCount, config.Dim], all.shape);
        Assert.True(MaxAbsDiff(features, all.mean([1L])) < 1e-12);
        // token order does not matter without a mask: a permuted subset equals the same rows
        var order = tensor(new long[] { 5, 0, 63, 17 }).unsqueeze(0).expand(2, -1);
        var subset = encoder.Forward(Patches.Patchify(images, config.PatchSize), order, keepBlockOutputs: true);
        Assert.Equal(config.Depth, subset.BlockOutputs!.Count);
        Assert.Equal([2L, 4L, config.Dim], subset.BlockOutputs[^1].shape);
    }

    [Fact]
    public void LossIgnoresPaddingRows()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(4);
        var prediction = randn([2, 5, 6], dtype: float64, generator: generator);
        var target = randn([2, 5, 6], dtype: float64, generator: generator);
        var valid = tensor(new[] { true, true, true, false, false, true, true, true, true, true }, [2, 5]);
        double loss = PixelLoss.Mean(prediction, target, valid).item<double>();
        var p2 = prediction.clone();
        p2[0, 3].fill_(1e6);
        p2[0, 4].fill_(double.NaN);
        Assert.Equal(loss, PixelLoss.Mean(p2, target, valid).item<double>(), 12);
        var perToken = (prediction - target).square().mean([-1L]);
        double expected = (perToken[0, ..3].sum() + perToken[1].sum()).item<double>() / 8;
        Assert.Equal(expected, loss, 12);
        Assert.Equal(perToken.mean().item<double>(), PixelLoss.Mean(prediction, target, null).item<double>(), 12);
    }

    [Fact]
    public void RandSacLossOnARaggedBatchSkipsPads()
    {
        torch.manual_seed(5);
        var config = Tiny();
        using var model = Float64(new RandSacModel(config, TinyDecoder, skip: true));
        using var plan = Plan(config, "blob:5", "random", 3, 8);
        Assert.NotNull(plan.DecoderValid);
        using var scope = NewDisposeScope();
        var images = Images(3, config, 9);
        var output = model.Forward(images, PretrainBatchInputs.ForPlan(plan), normPixLoss: true);
        var target = Patches.NormalisePerPatch(TokenGather.Rows(Patches.Patchify(images, config.PatchSize), plan.DecoderTokens));
        var perToken = (output.Prediction - target).square().mean([-1L]);
        var valid = Bools(plan.DecoderValid!);
        var values = perToken.data<double>().ToArray();
        double expected = values.Where((_, i) => valid[i]).Average();
        Assert.Equal(expected, output.Loss.item<double>(), 12);
        Assert.True(valid.Count(v => !v) > 0);
    }

    [Fact]
    public void OneSeedReproducesAModelAndInitialisationFollowsMae()
    {
        torch.manual_seed(11);
        using var a = new MaeModel(Tiny(), TinyDecoder);
        torch.manual_seed(11);
        using var b = new MaeModel(Tiny(), TinyDecoder);
        torch.manual_seed(12);
        using var c = new MaeModel(Tiny(), TinyDecoder);
        var sa = a.state_dict();
        var sb = b.state_dict();
        var sc = c.state_dict();
        foreach (var (name, value) in sa)
        {
            Assert.True(value.allclose(sb[name], 0, 0), name);
            if (name.EndsWith(".bias")) Assert.Equal(0.0, value.abs().max().item<float>());
            else if (name.Contains("norm") && name.EndsWith(".weight")) Assert.Equal(1.0, value.min().item<float>());
            else Assert.False(value.allclose(sc[name], 0, 0), name);
        }
        // xavier_uniform bound on a Linear and on the patch embedding seen as (D, C·P·P)
        var qkv = sa["encoder.blocks.0.attn.qkv.weight"];
        Assert.True(qkv.abs().max().item<float>() <= Math.Sqrt(6.0 / (32 + 96)) + 1e-6);
        var embed = sa["encoder.patch_embed.proj.weight"];
        double bound = Math.Sqrt(6.0 / (32 + 12));
        Assert.True(embed.abs().max().item<float>() <= bound + 1e-6);
        Assert.True(embed.abs().max().item<float>() > 0.9 * bound);
        double std = sa["mask_token"].std().item<float>();
        Assert.InRange(std, 0.01, 0.03);
    }

    [Fact]
    public void SkipConnectionsStartAsThePlainDecoder()
    {
        var config = Tiny();
        torch.manual_seed(21);
        using var withSkip = Float64(new RandSacModel(config, TinyDecoder, skip: true));
        torch.manual_seed(21);
        using var plain = Float64(new RandSacModel(config, TinyDecoder, skip: false));
        Assert.Equal(new double[] { 0, 1, 0, 1 }, withSkip.SkipWeight!.data<double>().ToArray());
        using var plan = Plan(config, "square:2", "hier:4", 2, 3);
        using var scope = NewDisposeScope();
        var images = Images(2, config, 4);
        var inputs = PretrainBatchInputs.ForPlan(plan);
        Assert.True(MaxAbsDiff(withSkip.Forward(images, inputs, true).Prediction, plain.Forward(images, inputs, true).Prediction) < 1e-12);
        using (no_grad()) withSkip.SkipWeight!.copy_(tensor(new double[] { 1, 0, 0.5, 0.5 }, [2, 2]));
        Assert.True(MaxAbsDiff(withSkip.Forward(images, inputs, true).Prediction, plain.Forward(images, inputs, true).Prediction) > 1e-6);
    }

    [Fact]
    public void FusedSkipMemoryEqualsOneMixPerDecoderLayer()
    {
        var config = Tiny(depth: 3);
        torch.manual_seed(4);
        using var model = Float64(new RandSacModel(config, new DecoderConfig(Depth: 2), skip: true));
        var w = randn(2, 3, dtype: float64);
        using (no_grad()) model.SkipWeight!.copy_(w);
        using var plan = Plan(config, "square:2", "hier:4", 2, 1);
        using var scope = NewDisposeScope();
        var patches = Patches.Patchify(Images(2, config, 2), config.PatchSize);
        var encoded = model.Encoder.Forward(patches, plan.EncoderTokens, plan.EncoderMask, keepBlockOutputs: true);
        var memory = model.Memory(encoded);
        Assert.Equal([2L, 2L, plan.EncoderTokens.shape[1], config.Dim], memory.shape);
        for (int j = 0; j < 2; j++)
        {
            var mix = zeros_like(encoded.BlockOutputs![0]);
            for (int k = 0; k < 3; k++) mix += w[j, k] * encoded.BlockOutputs[k];
            Assert.True(MaxAbsDiff(memory[j], model.Encoder.Norm(mix)) < 1e-12);
        }
    }

    [Theory]
    [InlineData(PretrainMethod.RandSac, true)]
    [InlineData(PretrainMethod.RandSac, false)]
    [InlineData(PretrainMethod.TwoStream, false)]
    [InlineData(PretrainMethod.Mae, false)]
    public void EveryParameterGetsAGradient(PretrainMethod method, bool skip)
    {
        torch.manual_seed(1);
        var options = new PretrainOptions(method, Tiny(), TinyDecoder, skip);
        using var model = PretrainerFactory.Create(options);
        model.train();
        using var inputs = PretrainerFactory.CreateInputSampler(options, "blob:5", "random").Sample(2, 1);
        using var scope = NewDisposeScope();
        model.Forward(Images(2, options.Encoder, 1, ScalarType.Float32), inputs, true).Loss.backward();
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.True(parameter.grad is not null, name);
            Assert.True(parameter.grad!.abs().sum().item<float>() > 0, name);
        }
        var noDecay = model.named_parameters().Where(p => !model.UsesWeightDecay(p.name, p.parameter)).Select(p => p.name).ToList();
        Assert.All(noDecay, n => Assert.True(n.EndsWith(".bias") || n.EndsWith(".weight") && n.Contains("norm") || n == "skip_weight", n));
        Assert.Equal(skip, noDecay.Contains("skip_weight"));
    }

    [Fact]
    public void DropPathDropsWholeSamplesInTrainingOnly()
    {
        using var scope = NewDisposeScope();
        var x = ones(2000, 3, 4);
        Assert.Same(x, DropPath.Apply(x, 0.3, training: false));
        var y = DropPath.Apply(x, 0.3, training: true);
        var perSample = y.amax([1L, 2L]);
        Assert.True(y.amin([1L, 2L]).allclose(perSample)); // one decision per sample
        var values = perSample.data<float>().ToArray();
        Assert.All(values, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.7) < 1e-5));
        Assert.InRange(values.Count(v => v == 0) / 2000.0, 0.25, 0.35);

        torch.manual_seed(2);
        using var encoder = new VisionTransformer(Tiny() with { DropPathRate = 0.5 });
        Assert.Equal(0.5, encoder.Config.DropPathOf(1));
        Assert.Equal(0.0, encoder.Config.DropPathOf(0));
        var images = Images(4, encoder.Config, 3, ScalarType.Float32);
        encoder.eval();
        var a = encoder.Features(images);
        Assert.True(a.allclose(encoder.Features(images), 0, 0));
        encoder.train();
        Assert.False(a.allclose(encoder.Features(images)));
    }

    [Fact]
    public void FactoryParsesMethodNames()
    {
        Assert.Equal(PretrainMethod.RandSac, PretrainMethods.Parse("randsac"));
        Assert.Equal(PretrainMethod.TwoStream, PretrainMethods.Parse("two-stream"));
        Assert.Equal(PretrainMethod.Mae, PretrainMethods.Parse("MAE"));
        Assert.Throws<FormatException>(() => PretrainMethods.Parse("bert"));
        Assert.All(Enum.GetValues<PretrainMethod>(), m => Assert.Equal(m, PretrainMethods.Parse(m.Name())));
    }

    [Fact]
    public void AModelNeedsItsKindOfBatchInputs()
    {
        torch.manual_seed(0);
        using var model = new RandSacModel(Tiny(), TinyDecoder);
        using var inputs = new MaeMaskSampler(64).Sample(2, 0);
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => model.Forward(Images(2, Tiny(), 0, ScalarType.Float32), inputs, true));
        using var otherGrid = PretrainBatchInputs.ForPlan(Plan(Tiny(patchSize: 4), "square:2", "raster", 2, 0));
        Assert.Throws<ArgumentException>(() => model.Forward(Images(2, Tiny(), 0, ScalarType.Float32), otherGrid, true));
        using var plan = PretrainBatchInputs.ForPlan(Plan(Tiny(), "square:2", "raster", 2, 0));
        Assert.Throws<ArgumentException>(() => model.Forward(randn(2, 3, 16, 8), plan, true));
    }
}
