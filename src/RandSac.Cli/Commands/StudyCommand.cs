using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RandSac.Cli.Studies;
using RandSac.Data;
using RandSac.Studies;
using RandSac.Training;
using Spectre.Console;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac study FILE</c>: every (arm, seed) of a study file pre-trained and evaluated as
/// ordinary run folders, then results.md and results.png with the paper's numbers and a
/// verdict per claim. Rerunning the same command continues an interrupted study.
/// </summary>
public static class StudyCommand
{
    /// <summary>The lock an invocation holds on its study folder while it may write there.</summary>
    public const string LockFileName = "study.lock";

    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("study") { Description = "Study file (see configs/studies/)." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Study folder: runs/, logs/, study.json, results.md, results.png (default runs/<study name>)." };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Folder of the dataset's files, for every arm." };
        var only = new Option<string?>("--only") { Description = "Run only these arms: ARM[,ARM…] (baselines bring the pre-training of the arm they are shaped as)." };
        var seeds = new Option<string?>("--seeds") { Description = "Seeds instead of the study file's, e.g. 0,1,2." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (arms × seeds, steps, estimated time from a short measurement of each arm's step) without training." };
        var threads = new Option<int?>("--threads") { Description = "Intra-op threads of every stage (default: the physical cores)." };
        var keepGoing = new Option<bool>("--keep-going") { Description = "When a run fails, go on with the others (its evaluations are skipped) and report the failures at the end." };
        var timeLimit = new Option<string?>("--time-limit")
        {
            Description = "How long this invocation may take (2h30m, 90m, 2:30:00): a stage starts only when its estimated time fits in what is left, " +
                          "a stage still running at the limit is stopped at its checkpoint, and the exit code is 75 when stages are left for the next invocation.",
        };
        var wholeStages = new Option<bool>("--whole-stages")
        {
            Description = "With --time-limit, when the study folder does not outlive the limit (node-local scratch, a machine kept for a few hours): " +
                          "a pre-training too starts only when its estimate fits in what is left, instead of starting to continue from its checkpoint next time.",
        };

        var command = new Command("study", "Reproduce a set of the paper's ablations: pre-train and evaluate every arm × seed, then judge each claim.")
        {
            file, output, data, only, seeds, dryRun, threads, keepGoing, timeLimit, wholeStages,
        };
        command.SetAction((parse, signalled) =>
        {
            string? limitText = parse.GetValue(timeLimit);
            bool whole = parse.GetValue(wholeStages);
            if (whole && limitText is null)
                throw new UserInputException("--whole-stages: it says how --time-limit treats a pre-training, and no --time-limit was given");
            var limit = limitText is null
                ? null
                : new StudyTimeLimit(StudyTimeLimit.ParseDuration(limitText, "--time-limit"), DateTimeOffset.UtcNow, () => DateTimeOffset.UtcNow) { WholeStages = whole };
            using var timedOut = CancellationTokenSource.CreateLinkedTokenSource(signalled);
            if (limit is not null) timedOut.CancelAfter(limit.Limit);
            var cancel = timedOut.Token;
            string studyPath = parse.GetValue(file)!.FullName;
            var study = StudyFile.Load(studyPath);
            CheckEvaluation(context, studyPath, study);
            string folder = parse.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("runs", study.Name));
            string? dataPath = parse.GetValue(data)?.FullName;
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1) throw new UserInputException($"--threads must be positive, got {threadCount}");
            var onlyArms = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var arm in onlyArms ?? [])
                if (study.Arms.All(a => a.Name != arm)) throw new UserInputException($"--only: the study has no arm '{arm}' (arms: {string.Join(", ", study.Arms.Select(a => a.Name))})");
            var seedList = parse.GetValue(seeds) is { } text ? ParseSeeds(text) : study.Seeds;
            if (parse.GetValue(seeds) is not null) study = study with { Seeds = seedList };

            var (channels, imageSize, trainImages, testImages) = CheckData(study, dataPath);
            var runs = StudyPlan.Build(study, folder, seedList, onlyArms);
            bool planOnly = parse.GetValue(dryRun);
            // Taken before the records are read: a second invocation writing the same study.json would drop the first one's records.
            using var folderLock = planOnly ? null : RunFolderLock.Acquire(folder, LockFileName);
            var results = planOnly && !File.Exists(Path.Combine(folder, StudyResults.FileName))
                ? new StudyResults { Study = study.Name, StudyFile = studyPath }
                : StudyResults.LoadOrCreate(folder, study.Name, studyPath);
            CheckRecordsMatch(study, results, runs, dataPath);
            bool Pending(StudyRun run, StudyStage stage) => results.Find(run.Arm.Name, run.Seed)?.Done(stage) != true;
            // Not cut short by the time limit: without it nothing can be planned (the limit still counts its time).
            var estimate = StudyEstimate.Measure(study, runs, Pending, channels, imageSize,
                trainImages, testImages, threadCount ?? CpuThreads.PhysicalCores, message => context.Out.WriteLine(message), signalled);

            if (planOnly)
            {
                PrintPlan(context, study, runs, estimate, results, trainImages, Pending);
                return Task.FromResult(0);
            }

            Directory.CreateDirectory(folder);
            results.Save(folder);
            context.Out.WriteLine($"study {study.Name}: {runs.Count} runs, {runs.Sum(r => r.Stages.Count(s => Pending(r, s)))} stages to do " +
                                  $"(about {ConsoleStudyObserver.Duration(estimate.Seconds(runs, Pending))}); folder {folder}");
            if (limit is not null)
                context.Out.WriteLine($"time limit {ConsoleStudyObserver.Duration(limit.Limit.TotalSeconds)}: no stage starts that would end after {limit.Deadline:yyyy-MM-dd HH:mm} UTC by its estimate");
            bool keep = parse.GetValue(keepGoing);
            var failures = new List<string>();
            try
            {
                RunAll(context, study, folder, results, dataPath, threadCount, keep, runs, estimate, limit, failures, cancel);
                var planned = new HashSet<string>();
                while (StudyPlan.MoreReplication(study, folder, results, planned, onlyArms) is { Count: > 0 } replication)
                {
                    var replicationEstimate = StudyEstimate.Measure(study, replication, Pending, channels, imageSize,
                        trainImages, testImages, threadCount ?? CpuThreads.PhysicalCores, message => context.Out.WriteLine(message), cancel);
                    context.Out.WriteLine($"replication: {(planned.Count > replication.Count ? "more " : "")}{replication.Count} runs at seeds " +
                                          $"{string.Join(",", study.Replicate!.Seeds)} for the arms of counted claims under {study.Replicate.Below} points, " +
                                          $"{replication.Sum(r => r.Stages.Count(s => Pending(r, s)))} stages to do " +
                                          $"(about {ConsoleStudyObserver.Duration(replicationEstimate.Seconds(replication, Pending))})");
                    RunAll(context, study, folder, results, dataPath, threadCount, keep, replication, replicationEstimate, limit, failures, cancel);
                }
            }
            catch (OperationCanceledException) when (limit is not null && !signalled.IsCancellationRequested)
            {
                limit.Reached();
                context.Out.WriteLine("time limit reached: no further stage starts, and a pre-training it stopped continues from its checkpoint next time");
            }
            string report = Publish(folder, study, results);
            PrintClaims(context, study, results);
            context.Out.WriteLine($"results: {report}");
            foreach (var failure in failures) context.Error.WriteLine($"randsac: failed: {failure}");
            if (failures.Count > 0) return Task.FromResult(CliApp.Failure);
            int left = runs.Concat(StudyPlan.Replication(study, folder, results, onlyArms)).DistinctBy(r => r.Key)
                .Sum(r => r.Stages.Count(s => Pending(r, s)));
            if (left == 0) return Task.FromResult(0);
            if (limit is { NeverFits: > 0 })
            {
                context.Error.WriteLine($"randsac: {limit.NeverFitsSummary}");
                return Task.FromResult(CliApp.Failure);
            }
            if (limit is { HeldBack: true })
            {
                context.Out.WriteLine($"time limit: {left} stages left for the next invocation of the same command");
                return Task.FromResult(StudyTimeLimit.ExitCode);
            }
            context.Error.WriteLine($"randsac: {left} stages are left undone; the lines above say why");
            return Task.FromResult(CliApp.Failure);
        });
        return command;
    }

    /// <summary>
    /// Runs every unfinished stage of <paramref name="runs"/> that the time limit lets start; a
    /// failure under --keep-going goes to <paramref name="failures"/> as it happens.
    /// </summary>
    static void RunAll(CliContext context, StudyDefinition study, string folder, StudyResults results,
        string? dataPath, int? threads, bool keepGoing, IReadOnlyList<StudyRun> runs, StudyEstimate estimate, StudyTimeLimit? limit,
        List<string> failures, CancellationToken cancel)
    {
        void Work(ConsoleStudyObserver observer)
        {
            var runner = new StudyRunner(study, folder, results, dataPath, threads, observer)
            {
                KeepGoing = keepGoing,
                Failures = failures,
                Saved = () => Publish(folder, study, results),
                // A pre-training continues from its checkpoint, so one cut off by the limit is not lost.
                WhyNotNow = limit is null ? null : (run, stage) => limit.WhyNotNow(estimate.Seconds(run, stage), continues: stage == StudyStage.Pretrain),
            };
            try
            {
                runner.Run(runs, cancel);
            }
            catch (StudyStageFailedException e)
            {
                throw new StudyFailedException(e.Message);
            }
        }

        if (!context.Console.Profile.Capabilities.Interactive)
        {
            Work(new ConsoleStudyObserver(context, null, null, estimate));
            return;
        }
        context.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                var whole = progress.AddTask("study", maxValue: Math.Max(1, estimate.Seconds(runs, (r, s) => results.Find(r.Arm.Name, r.Seed)?.Done(s) != true)));
                var stage = progress.AddTask("stage", maxValue: 1);
                Work(new ConsoleStudyObserver(context, whole, stage, estimate));
            });
    }

    static string Publish(string folder, StudyDefinition study, StudyResults results)
    {
        string? chart = StudyChart.Save(folder, study, results);
        StudyReport.Write(folder, study, results, chart is null ? null : Path.GetFileName(chart));
        return Path.Combine(folder, StudyReport.FileName);
    }

    /// <summary>The protocol's flags must be ones the evaluation commands accept, before anything runs.</summary>
    static void CheckEvaluation(CliContext context, string path, StudyDefinition study)
    {
        StudyFlags.Check(path, "linprobe", LinprobeCommand.Create(context), study.Evaluation.Linprobe);
        if (study.Evaluation.Knn is { } knn) StudyFlags.Check(path, "knn", KnnCommand.Create(context), knn);
        StudyFlags.Check(path, "finetune", FinetuneCommand.Create(context), study.Evaluation.Finetune);
    }

    /// <summary>Opens every distinct dataset of the arms once, so a wrong --data fails now rather than hours later.</summary>
    static (int Channels, int ImageSize, int Train, int Test) CheckData(StudyDefinition study, string? dataPath)
    {
        (int, int, int, int)? first = null;
        foreach (var config in study.Arms.Where(a => a.Kind == ArmKind.Pretrain)
                     .Select(a => StudyFile.Resolve(study, a, study.Seeds[0], dataPath))
                     .DistinctBy(c => (c.Dataset, c.Patch)))
        {
            using var train = config.Dataset.Open(DataSplit.Train, config.Patch);
            using var test = config.Dataset.Open(DataSplit.Test, config.Patch);
            first ??= (train.Channels, train.Height, train.Count, test.Count);
        }
        return first!.Value;
    }

    /// <summary>A study folder's records must have been made with the configs this study file resolves to.</summary>
    static void CheckRecordsMatch(StudyDefinition study, StudyResults results, IEnumerable<StudyRun> runs, string? dataPath)
    {
        foreach (var run in runs)
        {
            if (results.Find(run.Arm.Name, run.Seed) is not { } record) continue;
            var armOfConfig = run.Arm.Kind == ArmKind.Pretrain ? run.Arm : StudyFile.Arm(study, run.Arm.ShapeOf!);
            var wanted = StudyFile.Resolve(study, armOfConfig, run.Seed, dataPath);
            if (Comparable(wanted) != Comparable(record.Config))
                throw new UserInputException($"{run.Key} in {StudyResults.FileName} was run with another config than the study file now gives; " +
                                             "use another --out for the changed study");
        }
    }

    /// <summary>A config without what may differ between invocations of one study: the data folder and the threads.</summary>
    static string Comparable(PretrainConfig config) =>
        (config with { Dataset = config.Dataset with { Path = null }, Threads = null }).ToJson();

    static int[] ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seeds = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) || seed < 0)
                throw new UserInputException($"--seeds: '{part}' is not a seed (a whole number ≥ 0); expected e.g. 0,1,2");
            seeds.Add(seed);
        }
        if (seeds.Count == 0 || seeds.Distinct().Count() != seeds.Count)
            throw new UserInputException($"--seeds: '{text}' must list distinct seeds, e.g. 0,1,2");
        return [.. seeds];
    }

    static void PrintPlan(CliContext context, StudyDefinition study, IReadOnlyList<StudyRun> runs, StudyEstimate estimate,
        StudyResults results, int trainImages, Func<StudyRun, StudyStage, bool> pending)
    {
        var table = new Table().Title(Markup.Escape($"study {study.Name}: plan")).AddColumn("arm").AddColumn("seed").AddColumn("stages")
            .AddColumn(new TableColumn("pre-training steps").RightAligned()).AddColumn(new TableColumn("estimated").RightAligned());
        bool anyContinues = false;
        foreach (var run in runs)
        {
            string steps = "—";
            if (run.Arm.Kind == ArmKind.Pretrain)
            {
                var config = StudyFile.Resolve(study, run.Arm, run.Seed);
                long total = StudyEstimate.PretrainSteps(config, trainImages);
                long? reached = pending(run, StudyStage.Pretrain) ? run.CheckpointStep() : null;
                anyContinues |= reached is not null;
                steps = reached is null ? total.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{reached}/{total}");
            }
            string stages = string.Join(", ", run.Stages.Select(s => pending(run, s) ? StudyFile.Kebab(s) : StudyFile.Kebab(s) + " (done)"));
            double seconds = run.Stages.Where(s => pending(run, s)).Sum(s => estimate.Seconds(run, s));
            table.AddRow(Markup.Escape(run.Arm.Name), run.Seed.ToString(CultureInfo.InvariantCulture), Markup.Escape(stages), steps,
                ConsoleStudyObserver.Duration(seconds));
        }
        context.Console.Write(table);
        if (anyContinues)
            context.Out.WriteLine("pre-training steps a/b: continues from its checkpoint at step a of b");
        context.Out.WriteLine($"{runs.Count} runs, {runs.Sum(r => r.Stages.Count(s => pending(r, s)))} stages to do, about " +
                              $"{ConsoleStudyObserver.Duration(estimate.Seconds(runs, pending))} on this machine (from a short measurement of each arm's step; evaluations scaled from it)");
        if (estimate.ForeignCpuShare > 0.05)
            context.Out.WriteLine($"other processes used {estimate.ForeignCpuShare:P0} of the CPUs during the measurement: the estimate assumes that load stays");
        if (study.Replicate is { } replicate)
            context.Out.WriteLine($"then seeds {string.Join(",", replicate.Seeds)} for the arms of every counted claim whose difference comes out under {replicate.Below} points");
        context.Out.WriteLine("dry run: nothing was trained");
    }

    static void PrintClaims(CliContext context, StudyDefinition study, StudyResults results)
    {
        var table = new Table().Title("claims").AddColumn("claim").AddColumn("better − worse").AddColumn("metric")
            .AddColumn(new TableColumn("difference ± SE").RightAligned()).AddColumn(new TableColumn("paper").RightAligned()).AddColumn("verdict");
        foreach (var claim in study.Claims)
        {
            var verdict = ClaimVerdict.Judge(claim, results);
            table.AddRow(Markup.Escape($"{claim.Id}: {claim.Statement}"), Markup.Escape($"{claim.Better} − {claim.Worse}"), StudyFile.Kebab(claim.Metric),
                verdict is null ? "—" : string.Create(CultureInfo.InvariantCulture, $"{verdict.Difference:+0.00;-0.00} ± {verdict.StandardError:F2}"),
                StudyReport.PaperValue(study, claim) is { } paper ? paper.ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "—",
                verdict is null ? "not measured"
                    : StudyFile.Kebab(verdict.Verdict) + (RandomInitGain.WhyNotCounted(study, results, claim) is null ? "" : " (not counted)"));
        }
        context.Console.Write(table);
    }
}

/// <summary>A study stopped by a failed stage: one line naming the run, the stage and its log (exit 1).</summary>
public sealed class StudyFailedException(string message) : Exception(message);
