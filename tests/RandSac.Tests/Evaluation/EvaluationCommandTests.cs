using System.Text.Json;
using RandSac.Cli;
using SkiaSharp;

namespace RandSac.Tests.Evaluation;

/// <summary>The linprobe, finetune and knn commands end to end on a tiny checkpoint, and their one-line errors.</summary>
public sealed class EvaluationCommandTests(TinyRun run) : IClassFixture<TinyRun>
{
    static void AssertOneLineError(int code, string error, string expected)
    {
        Assert.Equal(CliApp.BadInput, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("randsac: error:", error);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("linprobe")]
    [InlineData("finetune")]
    [InlineData("knn")]
    public void AMissingCheckpointIsOneLineAndExitCodeTwo(string command)
    {
        var (code, _, error) = TinyRun.Cli(command, "--checkpoint", Path.Combine(run.Root, "nowhere", "checkpoint.safetensors"));
        AssertOneLineError(code, error, "does not exist");
    }

    [Theory]
    [InlineData("linprobe")]
    [InlineData("knn")]
    public void AFileThatIsNotACheckpointIsRejected(string command)
    {
        var (code, _, error) = TinyRun.Cli(command, "--checkpoint", Path.Combine(run.Folder, "config.json"), "--threads", "1");
        AssertOneLineError(code, error, "a pre-training config holds no weights; only a random baseline (--random-init, --from-scratch) can be drawn from it");

        (code, _, error) = TinyRun.Cli(command, "--checkpoint", ConfigOnlyRun(), "--threads", "1");
        AssertOneLineError(code, error, "a run folder without a checkpoint holds no weights");
    }

    [Fact]
    public void ABaselineDrawnFromTheRunsConfigAloneIsTheOneDrawnFromItsCheckpoint()
    {
        string bare = ConfigOnlyRun();
        string[] knn = ["knn", "--threads", "1", "--random-init", "--no-feature-cache"];
        var (code, output, error) = TinyRun.Cli([.. knn, "--checkpoint", run.Folder]);
        Assert.True(code == 0, error);
        var fromCheckpoint = Read(ResultPath(output));
        (code, output, error) = TinyRun.Cli([.. knn, "--checkpoint", bare]);
        Assert.True(code == 0, error);
        Assert.Contains("normalising both splits with the training data's", output);
        string path = ResultPath(output);
        Assert.Equal(bare, Path.GetDirectoryName(path));
        var fromConfig = Read(path);
        Assert.Equal(Path.Combine(bare, "config.json"), fromConfig.GetProperty("checkpoint").GetString());
        Assert.Equal(0, fromConfig.GetProperty("checkpoint-step").GetInt64());
        Assert.Equal(fromCheckpoint.GetProperty("pretraining").GetRawText(), fromConfig.GetProperty("pretraining").GetRawText());
        Assert.Equal(fromCheckpoint.GetProperty("per-class").GetRawText(), fromConfig.GetProperty("per-class").GetRawText());

        // Fine-tuning from scratch sees the same initial weights and normalised pixels, so it takes the same steps to the same loss.
        string[] finetune = ["finetune", "--threads", "1", "--epochs", "1", "--batch", "32", "--from-scratch"];
        (code, output, error) = TinyRun.Cli([.. finetune, "--checkpoint", run.Folder]);
        Assert.True(code == 0, error);
        var scratchFromCheckpoint = Read(ResultPath(output));
        (code, output, error) = TinyRun.Cli([.. finetune, "--checkpoint", Path.Combine(bare, "config.json")]);
        Assert.True(code == 0, error);
        var scratchFromConfig = Read(ResultPath(output));
        Assert.Equal(scratchFromCheckpoint.GetProperty("final-loss").GetDouble(), scratchFromConfig.GetProperty("final-loss").GetDouble());
        Assert.Equal(scratchFromCheckpoint.GetProperty("per-class").GetRawText(), scratchFromConfig.GetProperty("per-class").GetRawText());
    }

    /// <summary>A run folder whose checkpoint stayed on another machine: only its config.json.</summary>
    string ConfigOnlyRun()
    {
        string bare = Path.Combine(run.Root, "config-only");
        Directory.CreateDirectory(bare);
        File.Copy(Path.Combine(run.Folder, "config.json"), Path.Combine(bare, "config.json"), overwrite: true);
        return bare;
    }

    [Fact]
    public void AWrongDatasetIsRejected()
    {
        var (code, _, error) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--dataset", "cifar10",
            "--data", Path.Combine(run.Root, "no-cifar-here"), "--threads", "1");
        Assert.Equal(CliApp.BadInput, code);
        Assert.Single(error.TrimEnd().Split('\n'));

        (code, _, error) = TinyRun.Cli("linprobe", "--checkpoint", run.Folder, "--image-size", "18", "--threads", "1");
        AssertOneLineError(code, error, "18");
    }

    [Fact]
    public void KLargerThanTheBankIsRejected()
    {
        var (code, _, error) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--k", "1000", "--threads", "1");
        AssertOneLineError(code, error, "larger than the memory bank");
    }

    [Fact]
    public void BadOptionValuesAreRejected()
    {
        var (code, _, error) = TinyRun.Cli("linprobe", "--checkpoint", run.Folder, "--epochs", "0");
        AssertOneLineError(code, error, "epochs must be positive");
        (code, _, error) = TinyRun.Cli("finetune", "--checkpoint", run.Folder, "--layer-decay", "1.5");
        AssertOneLineError(code, error, "layer decay");
    }

    [Theory]
    [InlineData("knn")]
    [InlineData("linprobe")]
    [InlineData("finetune")]
    public void AnImageFolderWithoutTrainAndValIsRefused(string command)
    {
        string root = Path.Combine(run.Root, "flat-images");
        WriteImage(Path.Combine(root, "cat", "a.png"), SKColors.Coral);
        WriteImage(Path.Combine(root, "dog", "b.png"), SKColors.Teal);
        var (code, _, error) = TinyRun.Cli(command, "--checkpoint", run.Folder, "--dataset", "folder", "--data", root,
            "--image-size", "16", "--threads", "1");
        AssertOneLineError(code, error, $"--data {root}: an image folder without train/ and val/ has no held-out images");
    }

    [Fact]
    public void ASingleClassIsRefused()
    {
        string root = Path.Combine(run.Root, "one-class");
        WriteImage(Path.Combine(root, "train", "cat", "a.png"), SKColors.Coral);
        WriteImage(Path.Combine(root, "val", "cat", "b.png"), SKColors.Coral);
        var (code, _, error) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--dataset", "folder", "--data", root,
            "--image-size", "16", "--threads", "1");
        AssertOneLineError(code, error, "the training images hold 1 class; a classifier needs at least 2");
    }

    static void WriteImage(string path, SKColor color)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(16, 16);
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    static JsonElement Read(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    /// <summary>The result file a command reported (tests share one run folder, so names may be numbered).</summary>
    static string ResultPath(string output) =>
        output.Split('\n').Single(l => l.StartsWith("result: ", StringComparison.Ordinal))["result: ".Length..].Trim();

    [Fact]
    public void KnnRunsAndNeverOverwritesAnEarlierResult()
    {
        var (code, output, error) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--threads", "1");
        Assert.True(code == 0, error);
        Assert.Contains("kNN: top-1", output);
        Assert.Contains("per class", output);
        string firstPath = ResultPath(output);
        Assert.Equal(run.Folder, Path.GetDirectoryName(firstPath));
        Assert.StartsWith("knn", Path.GetFileName(firstPath));
        var first = Read(firstPath);
        Assert.Equal("knn", first.GetProperty("command").GetString());
        Assert.Equal(64, first.GetProperty("checkpoint-sha256").GetString()!.Length);
        Assert.Equal(20, first.GetProperty("options").GetProperty("k").GetInt32());
        Assert.Equal(10, first.GetProperty("per-class").GetArrayLength());
        Assert.InRange(first.GetProperty("top1").GetDouble(), 0, 1);
        string firstText = File.ReadAllText(firstPath);

        (code, output, _) = TinyRun.Cli("knn", "--checkpoint", run.CheckpointPath, "--threads", "1", "--random-init");
        Assert.Equal(0, code);
        Assert.StartsWith("knn-random-init", Path.GetFileName(ResultPath(output)));
        Assert.True(Read(ResultPath(output)).GetProperty("random-init").GetBoolean());

        (code, output, _) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--threads", "1");
        Assert.Equal(0, code);
        Assert.NotEqual(firstPath, ResultPath(output));
        Assert.Matches(@"knn-\d+\.json$", ResultPath(output));
        Assert.Equal(firstText, File.ReadAllText(firstPath));
    }

    [Fact]
    public void SubsetsAreSeededAndTheSameForEveryCommand()
    {
        var (code, output, error) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--threads", "1", "--train-subset", "30",
            "--test-subset", "6", "--k", "5", "--no-feature-cache");
        Assert.True(code == 0, error);
        var record = Read(ResultPath(output));
        Assert.Equal(30, record.GetProperty("train-images").GetInt32());
        Assert.Equal(6, record.GetProperty("test-images").GetInt32());

        (code, _, error) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--train-subset", "0");
        AssertOneLineError(code, error, "--train-subset must be positive");
    }

    [Fact]
    public void LinprobeRunsFastAndAugmented()
    {
        var (code, output, error) = TinyRun.Cli("linprobe", "--checkpoint", run.Folder, "--threads", "1", "--epochs", "3", "--batch", "16");
        Assert.True(code == 0, error);
        Assert.Contains("linear probe: top-1", output);
        // 64 images at batch 16 for 3 epochs: 12 steps, shorter than the default 10 warmup epochs.
        Assert.Contains("linear probe lr schedule: peak lr 0.1 · warmup 12 of 12 steps · cosine to 0", output);
        Assert.Contains("warning: 10 warmup epochs (40 steps) are longer than the run (12 steps)", output);
        var record = Read(ResultPath(output));
        Assert.True(record.GetProperty("options").GetProperty("fast").GetBoolean());
        Assert.Equal(12, record.GetProperty("steps").GetInt64()); // 64 images / 16 × 3 epochs

        (code, output, error) = TinyRun.Cli("linprobe", "--checkpoint", run.Folder, "--threads", "1", "--epochs", "1",
            "--batch", "32", "--fast", "false", "--random-init");
        Assert.True(code == 0, error);
        var augmented = Read(ResultPath(output));
        Assert.False(augmented.GetProperty("options").GetProperty("fast").GetBoolean());
        Assert.True(augmented.GetProperty("random-init").GetBoolean());
    }

    [Fact]
    public void FinetuneRunsFromTheCheckpointAndFromScratch()
    {
        var (code, output, error) = TinyRun.Cli("finetune", "--checkpoint", run.Folder, "--threads", "1", "--epochs", "1", "--batch", "32");
        Assert.True(code == 0, error);
        Assert.Contains("fine-tuning: top-1", output);
        Assert.Contains("fine-tuning lr schedule: peak lr 6.25E-05 · warmup 2 of 2 steps · cosine to 1E-06", output);
        Assert.DoesNotContain("warning:", output);
        var record = Read(ResultPath(output));
        Assert.Equal(2, record.GetProperty("steps").GetInt64());
        Assert.Equal(0.65, record.GetProperty("options").GetProperty("layer-decay").GetDouble());
        Assert.True(double.IsFinite(record.GetProperty("final-loss").GetDouble()));

        (code, output, error) = TinyRun.Cli("finetune", "--checkpoint", run.Folder, "--threads", "1", "--epochs", "1", "--batch", "32", "--from-scratch");
        Assert.True(code == 0, error);
        Assert.StartsWith("finetune-from-scratch", Path.GetFileName(ResultPath(output)));
        Assert.True(Read(ResultPath(output)).GetProperty("random-init").GetBoolean());
    }

    [Fact]
    public void PretrainReportsKnnEveryNSteps()
    {
        string folder = Path.Combine(run.Root, "with-knn");
        var (code, output, error) = TinyRun.Cli("pretrain", "--dataset", "synthetic", "--image-size", "16", "--synthetic-count", "64",
            "--batch", "8", "--decoder-depth", "1", "--max-steps", "3", "--threads", "1", "--out", folder,
            "--knn-every", "2", "--knn-bank", "32", "--knn-queries", "12");
        Assert.True(code == 0, error);
        Assert.Contains("knn top-1", output);
        var lines = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.EndsWith(",knn", lines[0]);
        // Steps 2 and 3 (the last) carry a reading; step 1 does not.
        Assert.EndsWith(",", lines[1]);
        Assert.Matches(@",0(\.\d+)?$|,1$", lines[2]);
        Assert.Matches(@",0(\.\d+)?$|,1$", lines[3]);

        (code, _, error) = TinyRun.Cli("pretrain", "--dataset", "synthetic", "--image-size", "16", "--synthetic-count", "64",
            "--batch", "8", "--max-steps", "1", "--threads", "1", "--out", Path.Combine(run.Root, "bad-knn"),
            "--knn-every", "1", "--knn-bank", "5");
        AssertOneLineError(code, error, "larger than the kNN memory bank");
    }
}
