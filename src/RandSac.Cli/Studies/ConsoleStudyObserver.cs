using RandSac.Studies;
using Spectre.Console;

namespace RandSac.Cli.Studies;

/// <summary>
/// Shows a study: on a terminal a bar for the whole study (stages done / total, time left from
/// the estimated stage times) above a bar for the stage in progress; elsewhere a line per stage
/// and the stage's own progress lines.
/// </summary>
public sealed class ConsoleStudyObserver(CliContext context, ProgressTask? study, ProgressTask? stage, StudyEstimate estimate)
    : IStudyObserver
{
    readonly object _gate = new();
    double _doneSeconds;
    double _stageSeconds;
    string _label = "";

    public void OnStage(StudyRun run, StudyStage stageKind, int stagesDone, int stagesTotal)
    {
        lock (_gate)
        {
            _stageSeconds = estimate.Seconds(run, stageKind);
            _label = $"{run.Arm.Name} seed {run.Seed} · {StudyFile.Kebab(stageKind)}";
            string eta = _stageSeconds > 0 ? $" (about {Duration(_stageSeconds)})" : "";
            context.Console.WriteLine($"[{stagesDone + 1}/{stagesTotal}] {_label}{eta}");
            if (study is not null) study.Description = Markup.Escape($"study · stage {stagesDone + 1}/{stagesTotal}");
            if (stage is not null)
            {
                stage.Value = 0;
                stage.Description = Markup.Escape(_label);
            }
        }
    }

    public void OnStageProgress(double fraction, string status)
    {
        lock (_gate)
        {
            fraction = Math.Clamp(fraction, 0, 1);
            if (study is not null) study.Value = Math.Min(study.MaxValue, _doneSeconds + fraction * _stageSeconds);
            if (stage is not null)
            {
                stage.Value = fraction;
                if (status.Length > 0) stage.Description = Markup.Escape($"{_label} · {status}");
            }
            else if (status.Length > 0) context.Console.WriteLine($"  {status}");
        }
    }

    public void OnStageDone(StudyRun run, StudyStage stageKind, TimeSpan wall, string summary)
    {
        lock (_gate)
        {
            _doneSeconds += _stageSeconds;
            if (study is not null) study.Value = Math.Min(study.MaxValue, _doneSeconds);
            if (stage is not null) stage.Value = 1;
            context.Console.WriteLine($"    done in {Duration(wall.TotalSeconds)}: {summary}");
        }
    }

    public void OnSkipped(StudyRun run, StudyStage stageKind, string why)
    {
        lock (_gate) context.Console.WriteLine($"    {run.Arm.Name} seed {run.Seed} · {StudyFile.Kebab(stageKind)}: {why}");
    }

    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:D2} min" : t.TotalMinutes >= 1 ? $"{t.Minutes} min" : $"{t.Seconds} s";
    }
}
