using System.Text.Json;
using RandSac.Tests.Cli;
using RandSac.Tests.Models;

namespace RandSac.Tests.Benchmarks;

/// <summary>bench and flops on tiny configurations: they run and print what they promise.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class BenchCommandTests
{
    static readonly string[] Tiny = ["--model", "mini", "--image-size", "16", "--decoder-depth", "1"];

    static string[] Args(params string[] args) => [.. args, .. Tiny];

    [Fact]
    public void FlopsPrintsTheThreePartsAndTheirTotal()
    {
        var result = CliRunner.Run(Args("flops"));
        Assert.Equal(0, result.ExitCode);
        foreach (var word in new[] { "encoder", "skip", "decoder", "total", "MACs", "tokens per image: encoder 12, decoder 12" })
            Assert.Contains(word, result.Out);
    }

    [Fact]
    public void FlopsJsonPartsAddUp()
    {
        var result = CliRunner.Run(Args("flops", "--json", "--method", "mae"));
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        var parts = root.GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal(["encoder", "skip", "decoder"], parts.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(root.GetProperty("parameters").GetInt64(), parts.Sum(p => p.GetProperty("parameters").GetInt64()));
        Assert.Equal(root.GetProperty("macs").GetDouble(), parts.Sum(p => p.GetProperty("macs").GetDouble()), 6);
        Assert.Equal(4, root.GetProperty("encoder_tokens").GetDouble()); // 16 tokens, 75 % masked
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public void BenchJsonReportsTheStep(string precision)
    {
        var result = CliRunner.Run(Args("bench", "--json", "--no-wait", "--batch", "4", "--warmup", "1", "--steps", "2",
            "--threads", "1", "--precision", precision));
        Assert.Equal(0, result.ExitCode);
        var root = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(precision, root.GetProperty("precision").GetString());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        Assert.Equal(2, root.GetProperty("step_ms").GetArrayLength());
        foreach (var field in new[] { "images_per_s", "ms_median", "ms_min", "ms_max", "achieved_gflops", "share_of_peak",
                     "matmul_peak_fp32_gflops", "matmul_peak_bf16_gflops", "peak_rss_mib", "train_flops_per_image" })
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        Assert.True(root.GetProperty("optimizer_share").GetDouble() is > 0 and < 1);
        Assert.True(root.TryGetProperty("foreign_cpu", out _));
        Assert.True(double.IsFinite(root.GetProperty("final_loss").GetDouble()));
        // What native tuning did in this process, in the words NativeTuning reported.
        var (mkl, allocator) = RandSac.Platform.NativeTuning.Apply();
        Assert.Equal(mkl, root.GetProperty("fp32_matmul_kernels").GetString());
        Assert.Equal(allocator, root.GetProperty("allocator").GetString());
    }

    [Fact]
    public void BenchTextWithTheLoaderComparesItsRateWithTheStep()
    {
        var result = CliRunner.Run(Args("bench", "--no-wait", "--batch", "8", "--warmup", "0", "--steps", "1", "--threads", "1",
            "--method", "mae", "--loader", "--loader-batches", "2"));
        Assert.Equal(0, result.ExitCode);
        foreach (var word in new[] { "images/s", "ms (min", "GFLOP/s", "matmul peak 1024³: fp32", "bf16", "optimiser:",
                     "peak memory (VmHWM)", "foreign CPU:", "loader:", "× the step's", "fp32 matmul kernels:", "allocator:" })
            Assert.Contains(word, result.Out);
    }

    [Theory]
    [InlineData("--precision", "fp16", "unknown precision 'fp16'")]
    [InlineData("--threads", "0", "threads must be positive, got 0")]
    [InlineData("--batch", "0", "batch must be positive, got 0")]
    [InlineData("--method", "bert", "unknown pre-training method 'bert'")]
    [InlineData("--patch", "3", "--patch 3 does not divide --image-size 16")]
    public void BenchRejectsBadInputInOneLine(string option, string value, string message)
    {
        var result = CliRunner.Run(Args("bench", "--no-wait", option, value));
        CliRunner.AssertBadInput(result, message);
    }

    [Fact]
    public void PretrainRejectsAnUnknownPrecisionAndZeroThreads()
    {
        string folder = Path.Combine(Path.GetTempPath(), "randsac-bad-precision-" + Guid.NewGuid().ToString("N"));
        CliRunner.AssertBadInput(CliRunner.Run("pretrain", "--out", folder, "--precision", "half"), "unknown precision 'half'");
        CliRunner.AssertBadInput(CliRunner.Run("pretrain", "--out", folder, "--threads", "0"), "threads must be positive, got 0");
        Assert.False(Directory.Exists(folder) && File.Exists(Path.Combine(folder, "checkpoint.safetensors")));
    }
}
