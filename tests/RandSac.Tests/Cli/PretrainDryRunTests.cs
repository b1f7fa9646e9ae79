using RandSac.Cli.Output;
using RandSac.Training;

namespace RandSac.Tests.Cli;

public sealed class PretrainDryRunTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ADryRunPrintsTheConfigAndTheScheduleAndDrawsItWithoutTraining()
    {
        string folder = _temp.Combine("dry");
        var result = CliRunner.Run("pretrain", "--dry-run", "--out", folder, "--image-size", "16", "--synthetic-count", "64",
            "--batch", "8", "--epochs", "4", "--warmup-epochs", "1", "--base-lr", "0.002", "--min-lr", "1e-6", "--beta2", "0.99");
        Assert.True(result.ExitCode == 0, result.Error);
        // 64 images make 8 batches of 8 an epoch: 32 steps, 8 of them warmup; the peak is 0.002 × 8 / 256.
        Assert.Contains("peak lr 6.25E-05 · warmup 8 of 32 steps · cosine to 1E-06", result.Out);
        Assert.Contains("\"beta2\": 0.99", result.Out);
        Assert.Contains("\"epochs\": 4", result.Out);
        var sparkline = Assert.Single(result.Out.Split('\n'), l => l.StartsWith("lr ▁", StringComparison.Ordinal));
        Assert.Contains("█", sparkline);
        Assert.True(File.Exists(Path.Combine(folder, LearningRateCurve.FileName)));
        Assert.False(File.Exists(Checkpoint.PathIn(folder)));
        Assert.False(File.Exists(Path.Combine(folder, MetricsLog.FileName)));
    }

    [Fact]
    public void ADryRunOfAResumeSaysWhereItContinuesAndLeavesTheCheckpointAlone()
    {
        string folder = _temp.Combine("run");
        string[] tiny = ["pretrain", "--out", folder, "--image-size", "16", "--synthetic-count", "64", "--decoder-depth", "1", "--batch", "8",
            "--threads", "1", "--epochs", "2", "--warmup-epochs", "0.5"];
        Assert.Equal(0, CliRunner.Run([.. tiny, "--max-steps", "1"]).ExitCode);
        var before = File.ReadAllBytes(Checkpoint.PathIn(folder));
        var result = CliRunner.Run("pretrain", "--out", folder, "--resume", "--dry-run", "--max-steps", "5");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("--resume continues after step 1", result.Out);
        Assert.Contains("warmup 4 of 16 steps", result.Out);
        Assert.Equal(before, File.ReadAllBytes(Checkpoint.PathIn(folder)));
        Assert.Single(MetricsLog.ReadLosses(Path.Combine(folder, MetricsLog.FileName)));
    }

    [Fact]
    public void ADryRunRefusesSettingsARunWouldRefuse()
    {
        string folder = _temp.Combine("refused");
        CliRunner.AssertBadInput(CliRunner.Run("pretrain", "--dry-run", "--out", folder, "--min-lr", "1"), "minimum learning rate must be in [0, base lr]");
        Assert.False(Directory.Exists(folder));
    }
}
