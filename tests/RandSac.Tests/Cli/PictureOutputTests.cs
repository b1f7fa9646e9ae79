using RandSac.Tests.Evaluation;
using RandSac.Training;
using SkiaSharp;

namespace RandSac.Tests.Cli;

/// <summary>A picture never takes the place of a checkpoint, a log, a config, a dataset image or an earlier picture unasked.</summary>
public sealed class PictureOutputTests : IClassFixture<TinyRun>
{
    readonly TinyRun _run;

    public PictureOutputTests(TinyRun run) => _run = run;

    [Theory]
    [InlineData("checkpoint.safetensors")]
    [InlineData("metrics.csv")]
    [InlineData("config.json")]
    public void ReconstructAndPlanRefuseToWriteOverARunsFiles(string name)
    {
        string target = Path.Combine(_run.Folder, name);
        var before = File.ReadAllBytes(target);
        CliRunner.AssertBadInput(CliRunner.Run("reconstruct", "--checkpoint", _run.CheckpointPath, "--out", target, "--overwrite"), target);
        CliRunner.AssertBadInput(CliRunner.Run("plan", "--image-size", "16", "--out", target, "--overwrite"), target);
        Assert.Equal(before, File.ReadAllBytes(target));
    }

    [Fact]
    public void AnExistingPictureIsReplacedOnlyWithOverwriteAndOnlyIfItIsAPng()
    {
        string picture = Path.Combine(_run.Root, "plan.png");
        Assert.Equal(0, CliRunner.Run("plan", "--image-size", "16", "--out", picture).ExitCode);
        var first = File.ReadAllBytes(picture);
        CliRunner.AssertBadInput(CliRunner.Run("plan", "--image-size", "16", "--seed", "3", "--out", picture), "already exists", "--overwrite");
        Assert.Equal(first, File.ReadAllBytes(picture));
        Assert.Equal(0, CliRunner.Run("plan", "--image-size", "16", "--seed", "3", "--out", picture, "--overwrite").ExitCode);
        Assert.NotEqual(first, File.ReadAllBytes(picture));

        string notPng = Path.Combine(_run.Root, "notes.png");
        File.WriteAllText(notPng, "a text file with a picture's name");
        CliRunner.AssertBadInput(CliRunner.Run("reconstruct", "--checkpoint", _run.CheckpointPath, "--out", notPng, "--overwrite"), "not a PNG");
        Assert.Equal("a text file with a picture's name", File.ReadAllText(notPng));
    }

    [Fact]
    public void APictureIsNeverWrittenIntoTheDatasetItDraws()
    {
        string root = Path.Combine(_run.Root, "images");
        foreach (var name in new[] { "cat", "dog" })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            using var bitmap = new SKBitmap(16, 16);
            bitmap.Erase(name == "cat" ? SKColors.Coral : SKColors.Teal);
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(root, name, "a.png"), data.ToArray());
        }
        string image = Path.Combine(root, "cat", "a.png");
        var before = File.ReadAllBytes(image);
        var result = CliRunner.Run("plan", "--dataset", "folder", "--data", root, "--image-size", "16", "--out", image, "--overwrite");
        CliRunner.AssertBadInput(result, "the command's input (--data");
        Assert.Equal(before, File.ReadAllBytes(image));
    }
}
