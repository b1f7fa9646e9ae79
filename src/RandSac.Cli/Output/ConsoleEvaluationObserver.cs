using RandSac.Evaluation;
using RandSac.Training;
using Spectre.Console;

namespace RandSac.Cli.Output;

/// <summary>
/// Shows an evaluation's phases: a Spectre progress bar per phase on a terminal; elsewhere a
/// line when a phase starts and about every tenth of it, with the latest status line.
/// </summary>
public sealed class ConsoleEvaluationObserver(CliContext context, ProgressContext? progress) : IEvaluationObserver
{
    ProgressTask? _task;
    string _phase = "";
    long _total = 1;
    long _lastPrinted;
    string? _status;

    public void OnPhase(string phase, long total)
    {
        if (_task is not null) _task.Value = _task.MaxValue;
        _phase = phase;
        _total = Math.Max(1, total);
        _lastPrinted = 0;
        _status = null;
        if (progress is not null) _task = progress.AddTask(Markup.Escape(phase), maxValue: _total);
        else context.Out.WriteLine($"{phase}: {total}");
    }

    public void OnProgress(long done, string? status = null)
    {
        _status = status ?? _status;
        if (_task is not null)
        {
            _task.Value = done;
            if (status is not null) _task.Description = Markup.Escape($"{_phase} · {status}");
            return;
        }
        if (done - _lastPrinted >= _total / 10 || done == _total)
        {
            context.Out.WriteLine($"{_phase}: {done}/{_total}{(_status is null ? "" : " · " + _status)}");
            _lastPrinted = done;
        }
    }

    public void OnSchedule(string phase, LearningRateSchedule schedule)
    {
        Line($"{phase} lr schedule: {schedule.Describe()}");
        if (schedule.Warning is { } warning) Line(warning);
    }

    /// <summary>Whole lines on plain output; through the Spectre console under live progress bars, which stay intact.</summary>
    void Line(string text)
    {
        if (progress is null) context.Out.WriteLine(text);
        else context.Console.WriteLine(text);
    }

    /// <summary>Runs <paramref name="work"/> with a live progress display on a terminal, plain lines elsewhere.</summary>
    public static T Run<T>(CliContext context, Func<IEvaluationObserver, T> work)
    {
        if (!context.Console.Profile.Capabilities.Interactive)
            return work(new ConsoleEvaluationObserver(context, null));
        T result = default!;
        context.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progress => result = work(new ConsoleEvaluationObserver(context, progress)));
        return result;
    }
}
