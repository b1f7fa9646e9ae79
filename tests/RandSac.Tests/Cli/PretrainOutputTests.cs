using RandSac.Cli;
using RandSac.Cli.Output;
using RandSac.Training;
using Spectre.Console;

namespace RandSac.Tests.Cli;

public sealed class PretrainOutputTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static (CliContext Context, StringWriter Output) Capture(int width)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
        });
        console.Profile.Width = width;
        return (new CliContext(output, new StringWriter(), console), output);
    }

    static readonly PretrainConfig Config = new() { Model = "tiny", Epochs = 1, Batch = 256, Accumulation = 2, BaseLr = 1.5e-4 };

    // 1 epoch of 97 steps at the default 10 warmup epochs: 970 warmup steps asked for, clamped to 97.
    static readonly LearningRateSchedule Schedule = LearningRateSchedule.Clamped(
        LearningRateSchedule.ScaledPeak(Config.BaseLr, Config.EffectiveBatch), 0, Config.WarmupEpochs, 97, 97);

    const string ScheduleLine = "lr schedule: peak lr 0.0003 · warmup 97 of 97 steps · cosine to 0 (peak = base lr 0.00015 × batch 512 / 256)";

    [Fact]
    public void PlainOutputStartsWithThePeakLrWarmupAndTotalStepsAndTheClampWarning()
    {
        var (context, output) = Capture(width: 80);
        new ConsolePretrainObserver(context, task: null).OnStart(Config, Schedule, startStep: 0, stopStep: 97, parameters: 5_500_000);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(3, lines.Length); // whole lines, not wrapped at the console's 80 columns
        Assert.StartsWith("randsac · tiny (5.50M parameters)", lines[0]);
        Assert.Contains("97 steps over 1 epoch(s); starting, stopping at step 97", lines[0]);
        Assert.Equal(ScheduleLine, lines[1]);
        Assert.Equal(Schedule.Warning, lines[2]);
        Assert.StartsWith("warning: 10 warmup epochs (970 steps) are longer than the run (97 steps)", lines[2]);
    }

    [Fact]
    public void UnderAProgressBarTheSameLinesGoThroughTheConsole()
    {
        var (context, output) = Capture(width: 400);
        var task = new ProgressTask(0, "starting", maxValue: 1);
        new ConsolePretrainObserver(context, task).OnStart(Config, Schedule, startStep: 10, stopStep: 97, parameters: 5_500_000);
        string text = output.ToString();
        Assert.Contains("resuming at step 10", text);
        Assert.Contains(ScheduleLine, text);
        Assert.Contains(Schedule.Warning!, text);
        Assert.Equal((97.0, 10.0), (task.MaxValue, task.Value));
    }

    [Fact]
    public void APretrainRunPrintsItsScheduleAndClampsTheDefaultWarmupOfAOneEpochRun()
    {
        // 64 synthetic images at batch 8: 8 steps in the default 1 epoch, against 10 × 8 warmup steps.
        var result = CliRunner.Run("pretrain", "--dataset", "synthetic", "--image-size", "16", "--synthetic-count", "64",
            "--batch", "8", "--decoder-depth", "1", "--max-steps", "1", "--threads", "1", "--out", _temp.Combine("run"));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("lr schedule: peak lr 3.125E-05 · warmup 8 of 8 steps · cosine to 0 (peak = base lr 0.001 × batch 8 / 256)", result.Out);
        Assert.Single(result.Out.Split('\n'), line => line.StartsWith("warning: 10 warmup epochs (80 steps) are longer than the run (8 steps)"));
    }
}
