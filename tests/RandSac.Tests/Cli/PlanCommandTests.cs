using SkiaSharp;

namespace RandSac.Tests.Cli;

public sealed class PlanCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void DrawsAPictureTwiceTheImageWideAndSaysWhatItDrew()
    {
        string picture = _temp.Combine("plan.png");
        var result = CliRunner.Run("plan", "--segments", "square:2", "--order", "hier:4", "--image-size", "32", "--patch", "4",
            "--scale", "4", "--out", picture);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("16 segments", result.Out);
        Assert.Contains("level 1 partitions along the order (ranks): [0 1 2 3] [4 5 6 7] [8 9 10 11] [12 13 14 15]", result.Out);
        using var bitmap = SKBitmap.Decode(picture);
        Assert.True(bitmap.Width >= 2 * 32 * 4);
    }

    [Fact]
    public void PrintsTheMasksOfATinyGrid()
    {
        var result = CliRunner.Run("plan", "--segments", "patch", "--order", "raster", "--image-size", "8", "--patch", "4", "--print-masks");
        Assert.Equal(0, result.ExitCode);
        // 2×2 tokens in raster order: encoder 0 1 2, targets 1 2 3, all three masks lower-triangular.
        Assert.Contains("encoder tokens (sequence):    0 1 2", result.Out);
        Assert.Contains("decoder targets (sequence):   1 2 3", result.Out);
        Assert.Contains("  t2   r2   111", result.Out);
        Assert.Contains("  t1   r1   1..", result.Out);
    }
}
