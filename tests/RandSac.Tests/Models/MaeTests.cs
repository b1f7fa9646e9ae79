using RandSac.Models;
using RandSac.Tokens;
using TorchSharp;
using static TorchSharp.torch;
using static RandSac.Tests.Models.ModelTestKit;

namespace RandSac.Tests.Models;

[Collection(TorchGlobalState.Name)]
public class MaeTests
{
    static MaeModel Build(int seed = 1)
    {
        torch.manual_seed(seed);
        return Float64(new MaeModel(Tiny(), TinyDecoder));
    }

    /// <summary>Decoder predictions for every token, raster order: (B, N, P·P·C).</summary>
    static Tensor PredictAll(MaeModel model, Tensor patches, MaeMask mask) =>
        model.ForwardDecoder(model.ForwardEncoder(patches, mask), mask);

    /// <summary>
    /// MAE's loss from full raster-order predictions and targets (B, N, F): the per-token squared
    /// error averaged over the masked tokens only.
    /// </summary>
    static Tensor MaskedLoss(Tensor predictionAll, Tensor targetAll, MaeMask mask) =>
        PixelLoss.Mean(TokenGather.Rows(predictionAll, mask.Masked), TokenGather.Rows(targetAll, mask.Masked), null);

    [Fact]
    public void SamplerKeepsAQuarterOfTheTokensAndPartitionsTheRest()
    {
        var sampler = new MaeMaskSampler(64, 0.75);
        Assert.Equal(16, sampler.KeepCount);
        using var mask = sampler.SampleMask(5, seed: 3);
        Assert.Equal([5L, 16L], mask.Visible.shape);
        Assert.Equal([5L, 48L], mask.Masked.shape);
        var visible = Longs(mask.Visible);
        var masked = Longs(mask.Masked);
        var restore = Longs(mask.Restore);
        var distinct = new HashSet<string>();
        for (int b = 0; b < 5; b++)
        {
            var v = visible[(b * 16)..((b + 1) * 16)];
            var m = masked[(b * 48)..((b + 1) * 48)];
            Assert.Equal(Enumerable.Range(0, 64).Select(i => (long)i), v.Concat(m).Order());
            Assert.Equal(v.Order(), v); // raster order inside each list
            var concatenated = v.Concat(m).ToArray();
            for (int t = 0; t < 64; t++) Assert.Equal(t, concatenated[restore[b * 64 + t]]);
            distinct.Add(string.Join(",", v));
        }
        Assert.Equal(5, distinct.Count); // per image
    }

    [Fact]
    public void SamplerDependsOnlyOnTheSeed()
    {
        var sampler = new MaeMaskSampler(64);
        using var a = sampler.SampleMask(4, 9);
        using var b = sampler.SampleMask(4, 9);
        using var c = sampler.SampleMask(4, 10);
        Assert.Equal(Longs(a.Visible), Longs(b.Visible));
        Assert.NotEqual(Longs(a.Visible), Longs(c.Visible));
    }

    [Fact]
    public void EncoderSeesExactlyTheVisibleTokens()
    {
        var model = Build();
        var config = model.Encoder.Config;
        using var mask = new MaeMaskSampler(config.TokenCount).SampleMask(2, 4);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = Images(2, config, 5);
        var patches = Patches.Patchify(images, config.PatchSize);
        Assert.Equal([2L, config.TokenCount / 4, config.Dim], model.ForwardEncoder(patches, mask).shape);

        var before = PredictAll(model, patches, mask);
        var hidden = Longs(mask.Masked)[..48].Select(t => (int)t);
        var afterHidden = PredictAll(model, Patches.Patchify(Perturb(images, config.PatchSize, 0, hidden, 6), config.PatchSize), mask);
        Assert.Equal(0.0, MaxAbsDiff(before, afterHidden)); // hidden pixels never reach the model
        int visibleToken = (int)Longs(mask.Visible)[0];
        var afterVisible = PredictAll(model, Patches.Patchify(Perturb(images, config.PatchSize, 0, [visibleToken], 6), config.PatchSize), mask);
        Assert.True(MaxAbsDiff(before[0], afterVisible[0]) > 1e-6);
        Assert.Equal(0.0, MaxAbsDiff(before[1], afterVisible[1]));
    }

    [Fact]
    public void LossCountsMaskedTokensOnly()
    {
        using var mask = new MaeMaskSampler(64).SampleMask(3, 2);
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var prediction = randn([3, 64, 12], dtype: float64, generator: generator);
        var target = randn([3, 64, 12], dtype: float64, generator: generator);
        double loss = MaskedLoss(prediction, target, mask).item<double>();

        var visible = Longs(mask.Visible);
        var masked = Longs(mask.Masked);
        var p2 = prediction.clone();
        var t2 = target.clone();
        for (int b = 0; b < 3; b++)
            foreach (long t in visible[(b * 16)..((b + 1) * 16)])
            {
                p2[b, t].fill_(100.0);
                t2[b, t].fill_(-100.0);
            }
        Assert.Equal(loss, MaskedLoss(p2, t2, mask).item<double>(), 12);
        p2[1, masked[48 + 3]].add_(1.0);
        Assert.NotEqual(loss, MaskedLoss(p2, t2, mask).item<double>(), 6);

        // and it is the plain mean over masked tokens and values
        double expected = 0;
        for (int b = 0; b < 3; b++)
            foreach (long t in masked[(b * 48)..((b + 1) * 48)])
                expected += (prediction[b, t] - target[b, t]).square().mean().item<double>();
        Assert.Equal(expected / (3 * 48), loss, 12);
    }

    [Fact]
    public void ForwardPredictsTheMaskedTokens()
    {
        var model = Build();
        var config = model.Encoder.Config;
        using var inputs = new MaeMaskSampler(config.TokenCount, 0.75).Sample(2, 1);
        using var scope = NewDisposeScope();
        var images = Images(2, config, 3);
        var output = model.Forward(images, inputs, normPixLoss: true);
        Assert.Equal([2L, 48L, config.PatchDim], output.Prediction.shape);
        Assert.Equal(Longs(inputs.MaeMask!.Masked), Longs(output.TargetTokens));
        Assert.Null(output.Valid);
        Assert.Empty(output.Loss.shape);
        var patches = Patches.Patchify(images, config.PatchSize);
        var expected = MaskedLoss(PredictAll(model, patches, inputs.MaeMask), Patches.NormalisePerPatch(patches), inputs.MaeMask);
        Assert.Equal(expected.item<double>(), output.Loss.item<double>(), 12);
    }
}
