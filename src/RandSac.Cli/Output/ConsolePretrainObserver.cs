using System.Globalization;
using RandSac.Training;
using Spectre.Console;

namespace RandSac.Cli.Output;

/// <summary>
/// Shows a pre-training run: at the start, the run and its lr schedule (peak lr, warmup and
/// total steps, and a warning if the warmup was clamped to the run); then a live progress bar
/// (epoch, step, loss, lr, images/s, ETA) on a terminal, elsewhere (pipes, CI logs) a plain
/// line every tenth of the run.
/// </summary>
public sealed class ConsolePretrainObserver(CliContext context, ProgressTask? task) : IPretrainObserver
{
    long _reportEvery = 1;
    double _smoothedRate;
    ProbeReading? _probe;

    public void OnStart(PretrainConfig config, LearningRateSchedule schedule, long startStep, long stopStep, int parameters)
    {
        _reportEvery = Math.Max(1, (stopStep - startStep) / 10);
        string where = startStep > 0 ? $"resuming at step {startStep}" : "starting";
        Line($"{config.Method} · {config.Model} ({parameters / 1e6:F2}M parameters) · {config.Segments} · {config.Order} · " +
                                  $"batch {config.EffectiveBatch} · {config.Precision.Name()} · {schedule.TotalSteps} steps over {config.Epochs} epoch(s); {where}, stopping at step {stopStep}");
        Line(string.Create(CultureInfo.InvariantCulture,
            $"lr schedule: {schedule.Describe()} (peak = base lr {config.BaseLr:G4} × batch {config.EffectiveBatch} / 256)"));
        if (schedule.Warning is { } warning) Line(warning);
        if (task is not null)
        {
            task.MaxValue = stopStep;
            task.Value = startStep;
        }
    }

    public void OnStep(StepMetrics m)
    {
        _smoothedRate = _smoothedRate == 0 ? m.ImagesPerSecond : 0.9 * _smoothedRate + 0.1 * m.ImagesPerSecond;
        string line = $"epoch {m.Epoch + 1} · step {m.Step}/{m.TotalSteps} · loss {m.Loss:F4} · lr {m.Lr:E2} · {_smoothedRate:F0} img/s";
        _probe = m.Probe ?? _probe;
        if (_probe is not null) line += $" · {_probe.Name} top-1 {100 * _probe.Value:F1}%";
        if (task is not null)
        {
            task.Description = Markup.Escape(line);
            task.Value = m.Step;
        }
        else if (m.Step % _reportEvery == 0 || m.Probe is not null)
        {
            Line(line);
        }
    }

    public void OnCheckpoint(string path, long step)
    {
        if (task is null) Line($"checkpoint at step {step}: {path}");
    }

    /// <summary>
    /// Plain output gets whole lines (Spectre would wrap them at 80 columns when not on a
    /// terminal); under a live progress bar lines go through the Spectre console, so the bar
    /// stays intact below them.
    /// </summary>
    void Line(string text)
    {
        if (task is null) context.Out.WriteLine(text);
        else context.Console.WriteLine(text);
    }
}
