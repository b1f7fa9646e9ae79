using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RandSac.Evaluation;
using RandSac.Studies;
using RandSac.Training;

namespace RandSac.Cli.Studies;

/// <summary>What a study shows while it runs: the whole study, and the stage in progress.</summary>
public interface IStudyObserver
{
    void OnStage(StudyRun run, StudyStage stage, int stagesDone, int stagesTotal);

    /// <summary>The running stage's progress in [0, 1] and its latest status line.</summary>
    void OnStageProgress(double fraction, string status);

    void OnStageDone(StudyRun run, StudyStage stage, TimeSpan wall, string summary);
    void OnSkipped(StudyRun run, StudyStage stage, string why);
}

/// <summary>A stage whose command failed: the run, the stage, the command's last error line and its log.</summary>
public sealed class StudyStageFailedException(string message) : Exception(message);

/// <summary>
/// Runs a study's stages in order, each as an ordinary <c>randsac</c> command in a child
/// process: pre-training into the arm's run folder (with <c>--resume</c> when a checkpoint is
/// there), then the linear probe, kNN and fine-tuning on its checkpoint (a baseline on the run's
/// config.json, so it runs without the checkpoint too). A stage recorded in
/// <c>study.json</c> is never run again, and an evaluation whose record already lies next to
/// the same checkpoint (SHA-256) is adopted instead of repeated, so rerunning the same command
/// after an interruption continues where it stopped.
/// </summary>
public sealed class StudyRunner(StudyDefinition study, string folder, StudyResults results, string? dataPath, int? threads,
    IStudyObserver observer)
{
    public bool KeepGoing { get; init; }

    /// <summary>Called after every finished stage, once study.json holds it (e.g. to refresh results.md).</summary>
    public Action? Saved { get; init; }

    /// <summary>
    /// Asked before each stage starts: null to start it, or why it waits for the next invocation
    /// (<c>--time-limit</c>). A run whose stage waits starts none of its later stages.
    /// </summary>
    public Func<StudyRun, StudyStage, string?>? WhyNotNow { get; init; }

    /// <summary>
    /// Where a failed stage is reported under <see cref="KeepGoing"/>, as it fails, so a study that
    /// the time limit stops later still reports it.
    /// </summary>
    public ICollection<string> Failures { get; init; } = new List<string>();

    /// <summary>Runs every unfinished stage; a failure goes to <see cref="Failures"/> under <see cref="KeepGoing"/>, else it is thrown.</summary>
    public void Run(IReadOnlyList<StudyRun> runs, CancellationToken cancel)
    {
        int total = runs.Sum(r => r.Stages.Length);
        int done = 0;
        var failedRuns = new HashSet<string>();
        var waitingRuns = new HashSet<string>();
        foreach (var run in runs)
        {
            var record = RecordOf(run);
            foreach (var stage in run.Stages)
            {
                cancel.ThrowIfCancellationRequested();
                if (record.Done(stage))
                {
                    done++;
                    continue;
                }
                string checkpointRun = StudyRun.RunKey(run.Arm.ShapeOf ?? run.Arm.Name, run.Seed);
                // Stages keep their order; and a waiting pre-training may have the checkpoint of an unfinished attempt, which no evaluation may take.
                string? waits = waitingRuns.Contains(run.Key) || waitingRuns.Contains(checkpointRun)
                    ? "an earlier stage of its run waits: left for the next invocation"
                    : WhyNotNow?.Invoke(run, stage);
                if (waits is not null)
                {
                    waitingRuns.Add(run.Key);
                    observer.OnSkipped(run, stage, waits);
                    done++;
                    continue;
                }
                bool blocked = failedRuns.Contains(checkpointRun);
                if (blocked || (stage != StudyStage.Pretrain && !File.Exists(run.EvaluatedFile)))
                {
                    observer.OnSkipped(run, stage, blocked ? $"{checkpointRun}, whose run it uses, failed above"
                        : $"no {Path.GetFileName(run.EvaluatedFile)} in {run.CheckpointFolder}");
                    done++;
                    continue;
                }
                // Only a pre-training's checkpoint carries a stage's work over; a stage with nothing to continue (an
                // evaluation, or a pre-training whose checkpoint stayed on another machine) starts over with this build.
                if (record.StartedBy.TryGetValue(stage, out string? startedBy) && startedBy != StudyResults.BuildVersion)
                {
                    if (stage == StudyStage.Pretrain && File.Exists(Checkpoint.PathIn(run.CheckpointFolder)))
                        throw new UserInputException($"{run.Key} {StudyFile.Kebab(stage)} was started by build {startedBy}, and this is build " +
                                                     $"{StudyResults.BuildVersion}: continue the study with the build that started it, so one run never mixes builds");
                    observer.OnSkipped(run, stage, $"started by build {startedBy}, nothing to continue: starting over");
                }
                record.StartedBy[stage] = StudyResults.BuildVersion;
                results.Save(folder);
                observer.OnStage(run, stage, done, total);
                try
                {
                    var clock = Stopwatch.StartNew();
                    string summary = Execute(run, stage, record, cancel);
                    record.Build[stage] = StudyResults.BuildVersion;
                    // An evaluation's wall time comes from its record (Execute); pre-training's from its metrics over every attempt.
                    if (stage == StudyStage.Pretrain)
                        record.WallSeconds[stage] = TrainingWallSeconds(run.CheckpointFolder) ?? clock.Elapsed.TotalSeconds;
                    results.Save(folder);
                    Saved?.Invoke();
                    observer.OnStageDone(run, stage, clock.Elapsed, summary);
                }
                catch (StudyStageFailedException e) when (KeepGoing)
                {
                    Failures.Add(e.Message);
                    failedRuns.Add(run.Key);
                    break;
                }
                done++;
            }
        }
    }

    StudyRecord RecordOf(StudyRun run)
    {
        if (results.Find(run.Arm.Name, run.Seed) is { } existing) return existing;
        var configArm = run.Arm.Kind == ArmKind.Pretrain ? run.Arm : StudyFile.Arm(study, run.Arm.ShapeOf!);
        var record = new StudyRecord
        {
            Arm = run.Arm.Name,
            Seed = run.Seed,
            Kind = run.Arm.Kind,
            Folder = run.CheckpointFolder,
            Config = StudyFile.Resolve(study, configArm, run.Seed, dataPath),
        };
        results.Records.Add(record);
        return record;
    }

    string Execute(StudyRun run, StudyStage stage, StudyRecord record, CancellationToken cancel)
    {
        string runFolder = run.CheckpointFolder;
        if (stage == StudyStage.Pretrain)
        {
            var args = new List<string> { "pretrain", "--out", runFolder };
            if (File.Exists(Checkpoint.PathIn(runFolder))) args.Add("--resume");
            else
            {
                string configPath = Path.Combine(folder, "configs", $"{run.Arm.Name}-seed-{run.Seed}.json");
                Directory.CreateDirectory(Path.GetDirectoryName(configPath)!);
                File.WriteAllText(configPath, record.Config.ToJson());
                args.AddRange(["--config", configPath]);
            }
            AddThreads(args);
            long stopStep = 0;
            RunChild(run, stage, args, line =>
            {
                if (StopStep.Match(line) is { Success: true } m) stopStep = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                if (StepLine.Match(line) is { Success: true } s && stopStep > 0)
                    observer.OnStageProgress(long.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture) / (double)stopStep, line);
            }, cancel, () => stopStep > 0 && LastLoggedStep(runFolder) is { } step ? step / (double)stopStep : null);
            record.CheckpointSha256 = EvaluationRecord.Sha256(Checkpoint.PathIn(runFolder));
            // The last metrics row is the checkpoint's step (the run ends with a checkpoint); loading and verifying the whole file again is not needed.
            record.CheckpointStep = LastLoggedStep(runFolder);
            record.FinalLoss = FinalLoss(runFolder);
            return $"step {record.CheckpointStep}, final loss {record.FinalLoss:F4}";
        }

        // A baseline reads only the config (its shape and seed): the checkpoint's hash would tie it to weights it never uses.
        string evaluated = run.EvaluatedFile;
        string sha256 = run.Arm.Kind == ArmKind.Pretrain && record.CheckpointSha256 is { } pretrained ? pretrained : EvaluationRecord.Sha256(evaluated);
        record.CheckpointSha256 = sha256;
        var (command, baseline, flags, metric) = stage switch
        {
            StudyStage.Linprobe => ("linprobe", run.Arm.Kind == ArmKind.RandomInit ? "--random-init" : null, study.Evaluation.Linprobe, StudyMetric.Lin),
            StudyStage.Knn => ("knn", run.Arm.Kind == ArmKind.RandomInit ? "--random-init" : null, study.Evaluation.Knn!, StudyMetric.Knn),
            _ => ("finetune", run.Arm.Kind == ArmKind.FromScratch ? "--from-scratch" : null, study.Evaluation.Finetune, StudyMetric.Ft),
        };
        string recordName = command + baseline switch { "--random-init" => "-random-init", "--from-scratch" => "-from-scratch", _ => "" };
        var found = FindRecord(runFolder, recordName, sha256, record.Seed, flags);
        if (found is null)
        {
            var args = new List<string> { command, "--checkpoint", evaluated };
            if (baseline is not null) args.Add(baseline);
            // Each seed varies the whole pipeline: the probe's and fine-tuning's own draws too (kNN has none).
            if (stage != StudyStage.Knn) args.AddRange(["--seed", record.Seed.ToString(CultureInfo.InvariantCulture)]);
            args.AddRange(StudyFlags.ToArgs(flags));
            AddThreads(args);
            RunChild(run, stage, args, line =>
            {
                if (PhaseLine.Match(line) is { Success: true } m && long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) is > 0 and var all)
                    observer.OnStageProgress(long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) / (double)all, line);
            }, cancel);
            found = FindRecord(runFolder, recordName, sha256, record.Seed, flags)
                    ?? throw new StudyStageFailedException($"{run.Key} {command}: the command finished but wrote no {recordName}*.json record for {Path.GetFileName(evaluated)} {sha256[..12]}");
        }
        else observer.OnSkipped(run, stage, $"adopting the finished record {Path.GetFileName(found.Value.Path)}");
        var (path, node) = found.Value;
        var accuracy = new MeasuredAccuracy(100 * node["top1"]!.GetValue<double>(), 100 * node["top5"]!.GetValue<double>(),
            node["test-images"]!.GetValue<int>(), Path.GetRelativePath(folder, path));
        record.Accuracy[metric] = accuracy;
        record.WallSeconds[stage] = node["wall-seconds"]!.GetValue<double>();
        return $"top-1 {accuracy.Top1:F2}%";
    }

    void RunChild(StudyRun run, StudyStage stage, List<string> args, Action<string> onLine, CancellationToken cancel,
        Func<double?>? poll = null)
    {
        string log = Path.Combine(folder, "logs", $"{run.Arm.Name}-seed-{run.Seed}-{StudyFile.Kebab(stage)}.log");
        using var timer = poll is null ? null : new Timer(_ =>
        {
            if (poll() is { } fraction) observer.OnStageProgress(fraction, "");
        }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        var outcome = CliProcess.Run(args, log, onLine, cancel);
        cancel.ThrowIfCancellationRequested();
        if (outcome.ExitCode != 0)
            throw new StudyStageFailedException($"{run.Key} {StudyFile.Kebab(stage)} failed (exit {outcome.ExitCode}): " +
                                                $"{(outcome.LastError.Length == 0 ? "no message" : outcome.LastError)}; log: {log}");
    }

    void AddThreads(List<string> args)
    {
        if (threads is { } t) args.AddRange(["--threads", t.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>
    /// The newest evaluation record of this kind next to the checkpoint that was made from the same
    /// weights (SHA-256), with the same seed and the study's settings of the command.
    /// </summary>
    static (string Path, JsonNode Node)? FindRecord(string runFolder, string name, string sha256, int seed, JsonObject flags)
    {
        if (!Directory.Exists(runFolder)) return null;
        var pattern = new Regex($"^{Regex.Escape(name)}(-[0-9]+)?\\.json$");
        return Directory.EnumerateFiles(runFolder, "*.json")
            .Where(p => pattern.IsMatch(Path.GetFileName(p)))
            .Select(p => (Path: p, Node: TryParse(p)))
            .Where(r => r.Node is not null && r.Node["checkpoint-sha256"]?.GetValue<string>() == sha256
                        && StudyFlags.Matches(flags, r.Node["options"] as JsonObject, r.Node["seed"]?.GetValue<int>(), seed))
            .OrderBy(r => File.GetLastWriteTimeUtc(r.Path))
            .Select(r => ((string, JsonNode)?)(r.Path, r.Node!))
            .LastOrDefault();
    }

    static JsonNode? TryParse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static readonly Regex StopStep = new(@"stopping at step (\d+)");
    static readonly Regex StepLine = new(@"step (\d+)/\d+ · loss");
    static readonly Regex PhaseLine = new(@"^([^:]+): (\d+)/(\d+)");

    static long? LastLoggedStep(string runFolder) => MetricRows(runFolder).LastOrDefault() is { } row ? row.Step : null;

    static double? FinalLoss(string runFolder) => MetricRows(runFolder).LastOrDefault() is { } row ? row.Loss : null;

    /// <summary>Training time over all attempts: the elapsed column restarts at every resume, so the segments are added.</summary>
    static double? TrainingWallSeconds(string runFolder)
    {
        var rows = MetricRows(runFolder);
        if (rows.Count == 0) return null;
        double total = 0, previous = 0;
        foreach (var row in rows)
        {
            if (row.Elapsed < previous) total += previous;
            previous = row.Elapsed;
        }
        return total + previous;
    }

    static List<(long Step, double Loss, double Elapsed)> MetricRows(string runFolder)
    {
        string path = Path.Combine(runFolder, MetricsLog.FileName);
        var rows = new List<(long, double, double)>();
        if (!File.Exists(path)) return rows;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            var cells = line.Split(',');
            if (cells.Length >= 6
                && long.TryParse(cells[0], CultureInfo.InvariantCulture, out long step)
                && double.TryParse(cells[2], CultureInfo.InvariantCulture, out double loss)
                && double.TryParse(cells[5], CultureInfo.InvariantCulture, out double elapsed))
                rows.Add((step, loss, elapsed));
        }
        return rows;
    }
}
