using RandSac.Data;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Cli;

/// <summary>
/// What <c>randsac pretrain</c> does when a run diverges, a resume asks for other settings, a
/// run folder was left behind by a kill, or its metrics log is damaged.
/// </summary>
public sealed class PretrainFailureTests : IDisposable
{
    static readonly string[] Tiny =
    [
        "pretrain", "--image-size", "16", "--synthetic-count", "64", "--decoder-depth", "1",
    ];

    /// <summary>Settings a test may give itself (an option may be given once).</summary>
    static readonly (string Option, string Value)[] Defaults =
        [("--batch", "8"), ("--threads", "1"), ("--warmup-epochs", "0.5"), ("--epochs", "2")];

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static CliRunner.Result Pretrain(string folder, params string[] more)
    {
        var defaults = Defaults.Where(d => !more.Contains(d.Option)).SelectMany(d => new[] { d.Option, d.Value });
        return CliRunner.Run([.. Tiny, .. defaults, "--out", folder, .. more]);
    }

    static void AssertSucceeded(CliRunner.Result result) => Assert.True(result.ExitCode == 0, result.Error);

    [Fact]
    public void ADivergingRunStopsWithItsLastFiniteCheckpointAndSaysWhatToTry()
    {
        string folder = _temp.Combine("diverged");
        var result = Pretrain(folder, "--base-lr", "1e3", "--warmup-epochs", "0", "--checkpoint-every", "1");
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        var match = System.Text.RegularExpressions.Regex.Match(line, @"^randsac: error: training diverged at step (\d+): ");
        Assert.True(match.Success, line);
        long diverged = long.Parse(match.Groups[1].Value);
        Assert.Contains($"still holds step {diverged - 1}, with finite values only", line);
        Assert.Contains("--base-lr (this run: 1000)", line);
        Assert.Contains("--clip-grad", line);

        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(folder));
        Assert.Equal(diverged - 1, checkpoint.Step);
        foreach (var (name, tensor) in checkpoint.Model.Concat(checkpoint.Optimizer))
            Assert.True(tensor.isfinite().all().item<bool>(), $"{name} is not finite");
    }

    [Fact]
    public void AResumeThatAsksForOtherSettingsIsRefusedNamingEach()
    {
        string folder = _temp.Combine("run");
        AssertSucceeded(Pretrain(folder, "--max-steps", "1"));
        var before = File.ReadAllBytes(Checkpoint.PathIn(folder));

        var result = Pretrain(folder, "--resume", "--model", "tiny", "--batch", "32", "--seed", "5", "--base-lr", "0.01",
            "--epochs", "3", "--segments", "blob:4", "--skip", "false");
        CliRunner.AssertBadInput(result, "--resume", "--model tiny (the run has mini)", "--batch 32 (the run has 8)",
            "--seed 5 (the run has 0)", "--base-lr 0.01 (the run has 0.001)", "--epochs 3 (the run has 2)",
            "--segments blob:4 (the run has square:2)", "--skip false (the run has true)");
        CliRunner.AssertBadInput(Pretrain(folder, "--resume", "--dataset", "cifar10"), "--dataset cifar10 (the run has synthetic)");
        string config = _temp.Combine("other.json");
        var recorded = PretrainConfig.Load(Path.Combine(folder, "config.json"));
        File.WriteAllText(config, (recorded with { Epochs = 7, Beta2 = 0.99 }).ToJson());
        CliRunner.AssertBadInput(CliRunner.Run("pretrain", "--out", folder, "--resume", "--config", config),
            "--epochs 7 (the run has 2)", "--beta2 0.99 (the run has 0.95)");
        Assert.Equal(before, File.ReadAllBytes(Checkpoint.PathIn(folder)));

        // How it runs may change.
        AssertSucceeded(Pretrain(folder, "--resume", "--max-steps", "2", "--checkpoint-every", "5", "--threads", "1", "--precision", "fp32",
            "--tensorboard", "false"));
        Assert.Equal(2, CheckpointStep(folder));
    }

    [Fact]
    public void ARunWhoseDatasetMovedResumesWithTheNewData()
    {
        string data = _temp.Combine("images"), moved = _temp.Combine("images-moved"), folder = _temp.Combine("run");
        var random = new Random(3);
        foreach (var split in new[] { "train", "val" })
            foreach (var name in new[] { "cat", "dog" })
                for (int i = 0; i < 8; i++)
                {
                    Directory.CreateDirectory(Path.Combine(data, split, name));
                    using var bitmap = new SkiaSharp.SKBitmap(16, 16);
                    bitmap.Erase(new SkiaSharp.SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
                    using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
                    File.WriteAllBytes(Path.Combine(data, split, name, $"{i}.png"), png.ToArray());
                }
        string[] cifar = ["pretrain", "--dataset", "folder", "--image-size", "16", "--decoder-depth", "1", "--batch", "8", "--threads", "1", "--warmup-epochs", "0.5"];
        AssertSucceeded(CliRunner.Run([.. cifar, "--data", data, "--max-steps", "1", "--out", folder]));
        Directory.Move(data, moved);

        CliRunner.AssertBadInput(CliRunner.Run([.. cifar, "--max-steps", "2", "--out", folder, "--resume"]), data);
        AssertSucceeded(CliRunner.Run([.. cifar, "--data", moved, "--max-steps", "2", "--out", folder, "--resume"]));
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(folder));
        Assert.Equal(2, checkpoint.Step);
        Assert.Equal(moved, checkpoint.Config.Dataset.Path);
    }

    [Fact]
    public void AResumeSurvivesGarbageAndACutLineInTheMetricsLog()
    {
        string folder = _temp.Combine("garbage");
        AssertSucceeded(Pretrain(folder, "--max-steps", "2", "--checkpoint-every", "1"));
        string metrics = Path.Combine(folder, MetricsLog.FileName);
        File.AppendAllText(metrics, "\u0000\u0001garbage,,,\n2,0,not-a-number,1,1,1\n3,0,0.51");
        AssertSucceeded(Pretrain(folder, "--resume")); // a finished run
        var resumed = Pretrain(folder, "--resume", "--max-steps", "4");
        AssertSucceeded(resumed);
        Assert.Equal([1L, 2, 3, 4], MetricsLog.ReadLosses(metrics).Select(l => l.Step));
        Assert.Equal(5, File.ReadAllLines(metrics).Length);
    }

    [Fact]
    public void AResumeOfARunKilledBeforeItsPicturesDrawsThemAndPrintsTheRecordedLosses()
    {
        string folder = _temp.Combine("no-pictures");
        var config = new PretrainConfig
        {
            Dataset = new DatasetSpec { ImageSize = 16, SyntheticCount = 64 }, DecoderDepth = 1, Batch = 8, Threads = 1,
            WarmupEpochs = 0.5, Epochs = 2, MaxSteps = 3,
        };
        // The library run stops where a killed CLI run would: checkpoint and log written, no pictures.
        var summary = new Pretraining(config, folder).Run(resume: false);
        File.WriteAllText(Checkpoint.PathIn(folder) + ".tmp", "cut short by a full disk");
        File.WriteAllText(Path.Combine(folder, "loss.png.tmp.png"), "cut short by a kill");

        var result = Pretrain(folder, "--resume", "--max-steps", "3");
        AssertSucceeded(result);
        Assert.True(File.Exists(Path.Combine(folder, "loss.png")));
        Assert.True(File.Exists(Path.Combine(folder, "reconstruction.png")));
        Assert.DoesNotContain("NaN", result.Out);
        Assert.Contains($"{summary.FirstLoss:F4} → {summary.LastLoss:F4}", result.Out);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp*"));
    }

    [Fact]
    public void ARejectedRunLeavesNoFolder()
    {
        string folder = _temp.Combine("rejected");
        CliRunner.AssertBadInput(CliRunner.Run("pretrain", "--dataset", "cifar10", "--data", _temp.Combine("no-data"), "--out", folder), "no-data");
        Assert.False(Directory.Exists(folder));
        CliRunner.AssertBadInput(Pretrain(folder, "--base-lr", "1e400"), "--base-lr 1e400 must be a finite number", "--help");
        Assert.False(Directory.Exists(folder));
        string data = _temp.Combine("cifar");
        CifarFiles.WriteCifar10Folder(data);
        CliRunner.AssertBadInput(CliRunner.Run("pretrain", "--dataset", "cifar10", "--data", data, "--out", Path.Combine(data, "run")),
            "inside the dataset's folder");
        Assert.Equal(6, Directory.GetFileSystemEntries(data).Length);
        string file = _temp.Combine("a-file");
        File.WriteAllText(file, "not a folder");
        CliRunner.AssertBadInput(Pretrain(file), "is a file");
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void AStaleLockFileNeverBlocks()
    {
        string folder = _temp.Combine("stale");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, RunFolderLock.FileName), "999999999\n"); // a holder long gone
        AssertSucceeded(Pretrain(folder, "--max-steps", "1"));
        Assert.Equal($"{Environment.ProcessId}", File.ReadAllText(Path.Combine(folder, RunFolderLock.FileName)).Trim());
    }

    static long CheckpointStep(string folder)
    {
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(folder));
        return checkpoint.Step;
    }
}
