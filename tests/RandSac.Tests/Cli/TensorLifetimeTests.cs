using RandSac.Tests.Evaluation;

namespace RandSac.Tests.Cli;

/// <summary>
/// A long run holds no more tensors than a short one: every tensor a step makes is freed by the
/// end of the step, not left for the garbage collector, which does not see native memory and on
/// a long run may not finalise it in time. Each command runs once to warm up, then short and long;
/// the tensors left alive after each must be as many. (The count after a run is not zero even
/// when nothing leaks: TorchSharp counts the tensor a parameter is made from as alive for good.)
/// </summary>
public sealed class TensorLifetimeTests(TinyRun run) : IClassFixture<TinyRun>
{
    /// <summary>64 synthetic images in batches of 8: an epoch is 8 steps.</summary>
    static string[] Pretrain(string folder, int steps, params string[] extra) =>
    [
        "pretrain", "--dataset", "synthetic", "--image-size", "16", "--synthetic-count", "64", "--batch", "8",
        "--decoder-depth", "1", "--max-steps", $"{steps}", "--checkpoint-every", "5", "--threads", "1",
        "--tensorboard", "false", "--out", folder, .. extra,
    ];

    string NewFolder() => Path.Combine(run.Root, Guid.NewGuid().ToString("N"));

    static long TensorsLeftBy(string[] command) => LiveTensors.LeftBy(() =>
    {
        var result = CliRunner.Run(command);
        Assert.True(result.ExitCode == 0, result.Error);
    });

    static void AssertSameLeftAfterShortAndLong(Func<int, string[]> command, int shortLength, int longLength, string unit)
    {
        TensorsLeftBy(command(shortLength));
        long afterShort = TensorsLeftBy(command(shortLength));
        long afterLong = TensorsLeftBy(command(longLength));
        Assert.True(afterShort == afterLong,
            $"{afterLong - afterShort} more tensors alive after {longLength} {unit} than after {shortLength} ({afterShort} vs {afterLong})");
    }

    [Theory]
    [InlineData("randsac", "fp32")]
    [InlineData("randsac", "bf16")]
    [InlineData("two-stream", "fp32")]
    [InlineData("mae", "fp32")]
    public void PretrainingStepsFreeTheirTensors(string method, string precision) =>
        AssertSameLeftAfterShortAndLong(steps => Pretrain(NewFolder(), steps, "--method", method, "--precision", precision),
            shortLength: 8, longLength: 24, "steps");

    [Theory]
    [InlineData("linprobe", "--fast", "true")]
    [InlineData("linprobe", "--fast", "false")]
    [InlineData("finetune")]
    public void EvaluationEpochsFreeTheirTensors(string command, params string[] extra) =>
        AssertSameLeftAfterShortAndLong(epochs =>
                [command, "--checkpoint", run.Folder, "--threads", "1", "--batch", "16", "--epochs", $"{epochs}", .. extra],
            shortLength: 1, longLength: 3, "epochs");
}
