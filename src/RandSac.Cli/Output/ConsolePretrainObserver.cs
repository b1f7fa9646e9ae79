using RandSac.Training;
using Spectre.Console;

namespace RandSac.Cli.Output;

/// <summary>
/// Shows a pre-training run: a live progress bar (epoch, step, loss, lr, images/s, ETA) on a
/// terminal; elsewhere (pipes, CI logs) a plain line every tenth of the run.
/// </summary>
public sealed class ConsolePretrainObserver(CliContext context, ProgressTask? task) : IPretrainObserver
{
    long _reportEvery = 1;
    double _smoothedRate;
    ProbeReading? _probe;

    public void OnStart(PretrainConfig config, long startStep, long totalSteps, long stopStep, int parameters)
    {
        _reportEvery = Math.Max(1, (stopStep - startStep) / 10);
        string where = startStep > 0 ? $"resuming at step {startStep}" : "starting";
        // Through the Spectre console, so a live progress bar stays intact below it.
        context.Console.WriteLine($"{config.Method} · {config.Model} ({parameters / 1e6:F2}M parameters) · {config.Segments} · {config.Order} · " +
                                  $"batch {config.EffectiveBatch} · {config.Precision.Name()} · {totalSteps} steps over {config.Epochs} epoch(s); {where}, stopping at step {stopStep}");
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
            context.Console.WriteLine(line);
        }
    }

    public void OnCheckpoint(string path, long step)
    {
        if (task is null) context.Console.WriteLine($"checkpoint at step {step}: {path}");
    }
}
