using System.Text.Json;
using RandSac.Data;
using RandSac.Evaluation;
using RandSac.IO;
using RandSac.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Cli;

public sealed class ExportCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    string PretrainTiny()
    {
        var config = new PretrainConfig
        {
            Dataset = new DatasetSpec { ImageSize = 16, SyntheticCount = 32 },
            Model = "32/2/4", DecoderDepth = 1, Batch = 8, MaxSteps = 1, Threads = 1,
        };
        return new Pretraining(config, _temp.Combine("run")).Run(resume: false).CheckpointPath;
    }

    [Fact]
    public void AFolderExportIsTimmsLocalLayoutAndImportsBackToTheSameFeatures()
    {
        string checkpointPath = PretrainTiny();
        using (var train = new DatasetSpec { ImageSize = 16, SyntheticCount = 32 }.Open(DataSplit.Train))
        using (var checkpoint = Checkpoint.Load(checkpointPath))
        {
            Assert.Equal(train.Mean, checkpoint.Normalisation!.Mean);
            Assert.Equal(train.Std, checkpoint.Normalisation!.Std);
        }
        var knn = CliRunner.Run("knn", "--checkpoint", _temp.Combine("run"), "--k", "3", "--threads", "1");
        Assert.Equal(0, knn.ExitCode);
        Assert.Contains("normalising both splits with the training data's mean", knn.Out);
        string exported = _temp.Combine("export");

        var result = CliRunner.Run("export", "--checkpoint", _temp.Combine("run"), "--out", exported);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("class_token=False, global_pool='avg', fc_norm=False, num_classes=0).load_state_dict(state, strict=True)", result.Out);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(exported, "config.json")));
        var args = config.RootElement.GetProperty("model_args");
        Assert.Equal(0, config.RootElement.GetProperty("num_classes").GetInt32());
        Assert.Equal(4, args.GetProperty("num_heads").GetInt32());
        Assert.False(args.GetProperty("class_token").GetBoolean());
        Assert.False(args.GetProperty("fc_norm").GetBoolean());
        Assert.Equal("avg", args.GetProperty("global_pool").GetString());
        using var checkpointAgain = Checkpoint.Load(checkpointPath);
        var mean = config.RootElement.GetProperty("pretrained_cfg").GetProperty("mean").EnumerateArray().Select(v => (float)v.GetDouble());
        Assert.Equal(checkpointAgain.Normalisation!.Mean, mean);

        string card = File.ReadAllText(Path.Combine(exported, "README.md"));
        Assert.Contains(EvaluationRecord.Sha256(checkpointPath), card);
        Assert.Contains("knn: top-1", card);
        Assert.Contains("seed 0", card);

        using var native = EvaluationEncoder.FromCheckpoint(checkpointAgain, EvaluationEncoder.ConfigOf(checkpointAgain.Config, 3, 16));
        using var imported = ImportedEncoder.Load(exported, new ImportOptions(), _ => { });
        using var back = imported.CreateEncoder(imported.Config);
        native.eval();
        back.eval();
        using var images = randn(2, 3, 16, 16);
        using var noGrad = no_grad();
        Assert.True((native.Features(images) - back.Features(images)).abs().max().item<float>() < 1e-6);

        CliRunner.AssertBadInput(CliRunner.Run("export", "--checkpoint", checkpointPath, "--out", exported), "already exists");
        CliRunner.AssertBadInput(CliRunner.Run("knn", "--checkpoint", checkpointPath, "--pool", "token"), "--heads and --pool are for imported weights");
    }

    [Fact]
    public void ASingleFileExportKeepsTheConfigInItsMetadata()
    {
        string checkpointPath = PretrainTiny();
        string exported = _temp.Combine("encoder.safetensors");
        Assert.Equal(0, CliRunner.Run("export", "--checkpoint", checkpointPath, "--out", exported).ExitCode);
        var (tensors, metadata) = Safetensors.Read(exported);
        Assert.Equal(new long[] { 1, 16, 32 }, tensors["pos_embed"].shape);
        Assert.DoesNotContain(tensors.Keys, k => k.StartsWith("decoder", StringComparison.Ordinal) || k.StartsWith("encoder.", StringComparison.Ordinal));
        foreach (var t in tensors.Values) t.Dispose();
        Assert.Equal("pt", metadata["format"]);
        Assert.Contains("\"num_heads\":4", metadata[ImportedEncoder.ConfigMetadataKey]);
        using var imported = ImportedEncoder.Load(exported, new ImportOptions(), _ => { });
        Assert.Equal(new ViTConfig(32, 2, 4, 4, 3, 16, 16, Positions: PositionEmbedding.Learned), imported.Config);
    }
}
