using RandSac.Benchmarks;
using RandSac.Models;
using RandSac.Tests.Models;
using static TorchSharp.torch;

namespace RandSac.Tests.Benchmarks;

[Collection(TorchGlobalState.Name)]
public sealed class MacCountTests
{
    /// <summary>dim 8, depth 2, 2 heads, MLP 32; 8×8 RGB, patch 4 → 2×2 = 4 tokens of 48 values.</summary>
    static readonly ViTConfig Small = new(Dim: 8, Depth: 2, Heads: 2, PatchSize: 4, Channels: 3, ImageHeight: 8, ImageWidth: 8);

    [Fact]
    public void RandSacWithSkipMatchesAHandCount()
    {
        // square:1 → four one-token segments; the last is never encoded and the first never predicted: 3 and 3 tokens.
        var options = new PretrainOptions(PretrainMethod.RandSac, Small, new DecoderConfig(Depth: 1), Skip: true);
        var lengths = SequenceLengths.Sample(options, "square:1", "random", batchSize: 4);
        Assert.Equal(new SequenceLengths(3, 3), lengths);

        var macs = MacCount.For(options, lengths.Encoder, lengths.Decoder);
        // embed 3·48·8 = 1152; per block: qkv 3·8·24 = 576, QKᵀ 3·3·8 = 72, AV 72, proj 3·8·8 = 192,
        // MLP 2·3·8·32 = 1536 → 2448; two blocks 4896.
        Assert.Equal(1152 + 2 * 2448, macs.Encoder);
        // one decoder layer mixing two block outputs of 3 tokens × 8.
        Assert.Equal(1 * 2 * 3 * 8, macs.Skip);
        // self: 576 + 72 + 72 + 192; cross: q 192, kv 3·8·16 = 384, 72 + 72, proj 192; MLP 1536; head 3·8·48 = 1152.
        Assert.Equal(576 + 144 + 192 + 192 + 384 + 144 + 192 + 1536 + 1152, macs.Decoder);
        Assert.Equal(6 * macs.Total, macs.TrainFlops);
    }

    [Fact]
    public void MaeMatchesAHandCount()
    {
        // mask ratio 0.75 of 4 tokens keeps 1; the decoder runs on all 4.
        var options = new PretrainOptions(PretrainMethod.Mae, Small, new DecoderConfig(Depth: 1));
        var lengths = SequenceLengths.Sample(options, "square:1", "random", batchSize: 4);
        Assert.Equal(new SequenceLengths(1, 4), lengths);
        var macs = MacCount.For(options, lengths.Encoder, lengths.Decoder);
        // embed 48·8 = 384; block on 1 token: 192 + 8 + 8 + 64 + 512 = 784, twice.
        Assert.Equal(384 + 2 * 784, macs.Encoder);
        Assert.Equal(0, macs.Skip);
        // decoder_embed 8·8 = 64; block on 4 tokens: 768 + 128 + 128 + 256 + 2048 = 3328; head 4·8·48 = 1536.
        Assert.Equal(64 + 3328 + 1536, macs.Decoder);
    }

    [Fact]
    public void ViTTinyMatchesThePyTorchReferencesCount()
    {
        // randsac_ref.py: randsac_flops(seg=2) = 977,633,280 and mae_flops() = 413,958,144 forward FLOPs
        // (2 per MAC, skip mixing not counted).
        var tiny = ViTConfig.Preset("tiny");
        var noSkip = MacCount.For(new PretrainOptions(PretrainMethod.RandSac, tiny, Skip: false), 60, 60);
        Assert.Equal(977_633_280, 2 * noSkip.Total);
        var skip = MacCount.For(new PretrainOptions(PretrainMethod.RandSac, tiny, Skip: true), 60, 60);
        Assert.Equal(4 * 12 * 60 * 192, skip.Skip);
        var mae = MacCount.For(new PretrainOptions(PretrainMethod.Mae, tiny), 16, 64);
        Assert.Equal(413_958_144, 2 * mae.Total);
    }

    [Fact]
    public void PartsCountEveryParameterOnce()
    {
        manual_seed(0);
        var options = new PretrainOptions(PretrainMethod.RandSac, Small, new DecoderConfig(Depth: 1), Skip: true);
        using var model = PretrainerFactory.Create(options);
        var cost = ModelCost.Of(model, options, new SequenceLengths(3, 3));
        Assert.Equal(model.parameters().Sum(p => p.numel()), cost.Parameters);
        Assert.Equal(2, cost.Skip.Parameters); // W is (1 decoder layer, 2 encoder blocks)
        // patch embed 48·8 + 8, two blocks of 2·8 + 8·24 + 24 + 8·8 + 8 + 2·8 + 8·32 + 32 + 32·8 + 8, final norm 16
        Assert.Equal(392 + 2 * 872 + 16, cost.Encoder.Parameters);
    }
}
