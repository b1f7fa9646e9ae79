using RandSac.Data;
using RandSac.Evaluation;
using RandSac.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Models;

/// <summary>
/// Two-stream's shared stream is as deep as the masked transformer's encoder + decoder (paper
/// Table 10: 7M against 5M + 2M), and that whole stream is the encoder evaluation loads.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class TwoStreamDepthTests
{
    static long Count(Pretrainer model, Func<string, bool>? which = null) =>
        model.named_parameters().Where(p => which?.Invoke(p.name) ?? true).Sum(p => p.parameter.numel());

    /// <summary>
    /// What the masked transformer with skip has beyond an (encoder + decoder)-deep two-stream,
    /// by hand: each decoder block's cross-attention (q D²+D, kv 2D²+2D, proj D²+D) and its third
    /// LayerNorm (2D), the decoder's final LayerNorm (2D) and the skip weights (L_dec × L_enc).
    /// Both have the same pixel head (D·P²C + P²C).
    /// </summary>
    [Theory]
    [InlineData("mini", 128, 6, 265_496)]   // 4·(4·128² + 6·128) + 2·128 + 4·6
    [InlineData("tiny", 192, 12, 594_864)]  // 4·(4·192² + 6·192) + 2·192 + 4·12
    public void TheSharedStreamHasTheEncoderPlusDecoderParametersLessTheCrossAttention(string preset, int dim, int encoderDepth,
        long extra)
    {
        const int decoderDepth = 4;
        Assert.Equal(decoderDepth * (4L * dim * dim + 6 * dim) + 2 * dim + decoderDepth * encoderDepth, extra);
        var encoder = ViTConfig.Preset(preset);
        manual_seed(0);
        using var randsac = PretrainerFactory.Create(new PretrainOptions(PretrainMethod.RandSac, encoder, new DecoderConfig(decoderDepth), Skip: true));
        using var twoStream = PretrainerFactory.Create(new PretrainOptions(PretrainMethod.TwoStream, encoder, new DecoderConfig(decoderDepth)));

        Assert.Equal(encoderDepth + decoderDepth, twoStream.Encoder.Config.Depth);
        Assert.Equal(encoderDepth, randsac.Encoder.Config.Depth);
        Assert.Equal(extra, Count(randsac) - Count(twoStream));
    }

    [Fact]
    public void ViTTinyCountsAreTable10s()
    {
        var tiny = ViTConfig.Preset("tiny");
        manual_seed(0);
        using var randsac = PretrainerFactory.Create(new PretrainOptions(PretrainMethod.RandSac, tiny, new DecoderConfig(4), Skip: true));
        using var twoStream = PretrainerFactory.Create(new PretrainOptions(PretrainMethod.TwoStream, tiny, new DecoderConfig(4)));
        static bool IsEncoder(string name) => name.StartsWith("encoder.", StringComparison.Ordinal);
        // Table 10, CIFAR-10: two-stream 7M encoder, 0M decoder; transformer 5M + 2M.
        Assert.Equal(7.13, Count(twoStream, IsEncoder) / 1e6, 2);
        Assert.Equal(5.35, Count(randsac, IsEncoder) / 1e6, 2);
        Assert.Equal(2.38, Count(randsac, n => !IsEncoder(n)) / 1e6, 2);
    }

    [Fact]
    public void ADecoderDepthOfZeroKeepsTheStreamAsDeepAsTheEncoder()
    {
        var options = new PretrainOptions(PretrainMethod.TwoStream, ViTConfig.Preset("mini"), new DecoderConfig(0));
        Assert.Equal(6, options.TrainedEncoder.Depth);
        Assert.Equal(6, new PretrainOptions(PretrainMethod.RandSac, ViTConfig.Preset("mini"), new DecoderConfig(4)).TrainedEncoder.Depth);
    }

    [Fact]
    public void EvaluationLoadsTheWholeSharedStreamOfATwoStreamCheckpoint()
    {
        string folder = Directory.CreateTempSubdirectory("randsac-two-stream-").FullName;
        try
        {
            var config = new PretrainConfig
            {
                Dataset = new DatasetSpec { Kind = DatasetKind.Synthetic, ImageSize = 16, SyntheticCount = 32 },
                Model = "mini", Method = "two-stream", DecoderDepth = 2, Epochs = 1, Batch = 8, WarmupEpochs = 0.5,
                Threads = 1, MaxSteps = 1,
            };
            new Pretraining(config, folder).Run(resume: false);
            using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(folder));
            Assert.True(checkpoint.Model.ContainsKey("encoder.blocks.7.attn.qkv.weight"));

            var shape = EvaluationEncoder.ConfigOf(checkpoint.Config, 3, 16, dropPathRate: 0.1);
            Assert.Equal((128, 8, 4, 0.1), (shape.Dim, shape.Depth, shape.Heads, shape.DropPathRate));
            using var encoder = EvaluationEncoder.FromCheckpoint(checkpoint, shape);
            Assert.True(TensorAssert.Same(checkpoint.Model["encoder.blocks.7.mlp.fc2.weight"], encoder.state_dict()["blocks.7.mlp.fc2.weight"]));
            using var features = encoder.Features(rand(2, 3, 16, 16));
            Assert.Equal([2L, 128], features.shape);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
