using RandSac.Data;
using RandSac.Evaluation;
using RandSac.IO;
using RandSac.Training;

namespace RandSac.Tests.Cli;

public sealed class CifarPixelTokensTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void PretrainingOnPixelsOfCifarShrunkTo16UsesTheSizeThroughout()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        CifarFiles.WriteCifar10Folder(_temp.Combine("cifar"), perBatch: 4, testRecords: 2);
        string run = _temp.Combine("run");

        var result = CliRunner.Run("pretrain", "--dataset", "cifar10", "--data", _temp.Combine("cifar"),
            "--patch", "1", "--image-size", "16", "--model", "mini", "--decoder-depth", "1",
            "--batch", "4", "--epochs", "1", "--max-steps", "1", "--threads", "1", "--out", run);

        Assert.True(result.ExitCode == 0, result.Error);
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(run));
        Assert.Equal(16, checkpoint.Config.Dataset.ImageSize);
        // One token per pixel: 16 × 16 = 256 positions, and a 1×1 patch embedding.
        using var encoder = EvaluationEncoder.FromCheckpoint(checkpoint, EvaluationEncoder.ConfigOf(checkpoint.Config, 3, 16));
        var state = TimmExport.EncoderState(encoder);
        Assert.Equal(new long[] { 1, 256, 128 }, state.Single(p => p.Key == "pos_embed").Value.shape);
        Assert.Equal(new long[] { 128, 3, 1, 1 }, state.Single(p => p.Key == "patch_embed.proj.weight").Value.shape);
        foreach (var (_, tensor) in state) tensor.Dispose();
        // The closing reconstruction reads the test split at the checkpoint's recorded size.
        Assert.True(File.Exists(Path.Combine(run, "reconstruction.png")));
    }
}
