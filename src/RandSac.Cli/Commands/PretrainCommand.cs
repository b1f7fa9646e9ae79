using System.CommandLine;
using RandSac.Cli.Output;
using RandSac.Distributed;
using RandSac.Evaluation;
using RandSac.Models;
using RandSac.Training;
using Spectre.Console;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac pretrain</c>: self-supervised pre-training. Settings come from a config file
/// (or the defaults), and every flag given on the command line wins over it.
/// </summary>
public static class PretrainCommand
{
    public static Command Create(CliContext context)
    {
        var defaults = new PretrainConfig();
        var settingOptions = new SettingOptions<PretrainConfig>(PretrainConfig.Json, defaults);
        var config = new Option<FileInfo?>("--config") { Description = "JSON config file (see configs/); flags win over it." };
        var data = new DatasetOptions();
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: checkpoint, metrics, pictures.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out exactly where its last checkpoint stopped." };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = $"Train nothing: print the resolved config, the peak lr, warmup and total steps, and draw the lr schedule (--out/{LearningRateCurve.FileName}).",
        };
        var knnEvery = new Option<int?>("--knn-every") { Description = "Every N optimiser steps (and at the end), kNN top-1 of the encoder on held-out subsets (default: never)." };
        var knnBank = new Option<int?>("--knn-bank") { Description = $"Train images in the kNN memory bank (default {KnnMonitor.DefaultBank})." };
        var heads = new Option<int?>("--heads") { Description = "Attention heads of the --init encoder, when the file does not say." };
        var knnQueries = new Option<int?>("--knn-queries") { Description = $"Test images queried by kNN (default {KnnMonitor.DefaultQueries})." };

        var command = new Command("pretrain", "Pre-train a ViT encoder with RandSAC (or a baseline) and checkpoint it.") { config };
        settingOptions.AddTo(command);
        foreach (var option in new Option[] { output, resume, dryRun, knnEvery, knnBank, knnQueries, heads }) command.Options.Add(option);
        data.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            string folder = parse.GetValue(output)!.FullName;
            if (File.Exists(folder)) throw new UserInputException($"--out {folder} is a file; a run needs a folder");
            bool resuming = parse.GetValue(resume);
            var file = parse.GetValue(config);
            bool Given(string key) => settingOptions.IsGiven(parse, key);
            PretrainConfig Requested(PretrainConfig start)
            {
                var requested = settingOptions.Apply(parse, start) with { Dataset = data.Apply(parse, start.Dataset) };
                // Weights named on the command line are found from where it was typed.
                return Given("init") ? requested with { Init = Path.GetFullPath(requested.Init!) } : requested;
            }
            // Loaded and verified once: the run continues from this copy.
            using var resumed = resuming ? LoadToResume(context, folder) : null;
            PretrainConfig settings;
            if (resumed is not null)
            {
                // A resumed run keeps its recorded settings: what it computes may not change, only
                // where its data lives and how it runs. Anything else asked for is refused, by name.
                settings = Requested(file is null ? resumed.Config : PretrainConfig.Load(file.FullName));
                var conflicts = resumed.Config.ResumeConflicts(settings);
                if (conflicts.Count > 0)
                    throw new UserInputException($"--resume: {folder} was made with other settings: " +
                        string.Join(", ", conflicts.Select(c => $"{FlagOf(c.Name)} {c.Other} (the run has {c.Value})")) +
                        "; drop them to continue the run, or start a new one with another --out");
            }
            else
            {
                settings = Requested(file is null ? defaults : PretrainConfig.Load(file.FullName));
                if (settings.Init is not null)
                    settings = ShapeOfInit(settings, parse.GetValue(heads), keepModel: Given("model"), keepPatch: Given("patch"),
                        keepDecoder: Given("decoder-depth") || Given("decoder-dim"));
            }
            if (settings.Dataset.Path is { } dataPath && IsWithin(folder, dataPath))
                throw new UserInputException($"--out {folder} is inside the dataset's folder {dataPath}; a run folder there would become part of the data");
            if (parse.GetValue(dryRun)) return Task.FromResult(DryRun(context, settings.Validated(), resumed?.Step, folder));
            int? every = parse.GetValue(knnEvery);
            if (every is <= 0) throw new UserInputException($"--knn-every must be positive, got {every}");
            var world = context.Ranks();
            DataParallelReport.Start(context, world, settings.Batch, settings.Threads);
            // The probe measures rank 0's encoder, which is every rank's.
            using var monitor = every is null || !world.IsWriter ? null : new KnnMonitor(settings.Dataset,
                parse.GetValue(knnBank) ?? KnnMonitor.DefaultBank, parse.GetValue(knnQueries) ?? KnnMonitor.DefaultQueries, settings.Seed);
            var run = new Pretraining(settings, folder)
            {
                Probe = monitor?.Probe(every!.Value), Note = context.Out.WriteLine, Parallel = world, Resumed = resumed,
            };
            if (!world.IsWriter)
            {
                run.Run(resuming, observer: null, cancel);
                return Task.FromResult(0);
            }
            PretrainSummary summary;
            try
            {
                summary = RunWithProgress(context, run, resuming, cancel);
            }
            catch (RunStoppedException stopped)
            {
                throw new OperationCanceledException(
                    $"pre-training {stopped.Message} ({Checkpoint.PathIn(folder)}); resume with: randsac pretrain --out {folder} --resume",
                    stopped, stopped.CancellationToken);
            }
            Report(context, settings, summary, folder);
            return Task.FromResult(0);
        });
        return command;
    }

    static Checkpoint LoadToResume(CliContext context, string folder)
    {
        string path = Checkpoint.PathIn(folder);
        if (!File.Exists(path)) throw new UserInputException($"--resume: {path} does not exist");
        return CheckpointFile.Load(context, path);
    }

    /// <summary>The encoder (and MAE decoder) shape of the --init weights, unless given on the command line.</summary>
    static PretrainConfig ShapeOfInit(PretrainConfig settings, int? heads, bool keepModel, bool keepPatch, bool keepDecoder)
    {
        string file = IO.WeightsFile.Resolve(settings.Init!);
        if (!File.Exists(file) && !Directory.Exists(file)) throw new UserInputException($"--init: {file} does not exist");
        if (IO.WeightsFile.IsRandSacCheckpoint(file))
        {
            using var checkpoint = Checkpoint.Load(file);
            return settings with
            {
                Model = keepModel ? settings.Model : checkpoint.Config.Model,
                Patch = keepPatch ? settings.Patch : checkpoint.Config.Patch,
            };
        }
        using var imported = IO.ImportedEncoder.Load(file, new IO.ImportOptions(heads), _ => { });
        var c = imported.Config;
        settings = settings with
        {
            Model = keepModel ? settings.Model : $"{c.Dim}/{c.Depth}/{c.Heads}",
            Patch = keepPatch ? settings.Patch : c.PatchSize,
        };
        if (imported.Decoder.Count == 0 || PretrainMethods.Parse(settings.Method) != PretrainMethod.Mae || keepDecoder) return settings;
        int depth = imported.Decoder.Keys.Where(k => k.StartsWith("decoder_blocks.", StringComparison.Ordinal))
            .Select(k => int.Parse(k.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        int dim = imported.Decoder.TryGetValue("decoder_embed.weight", out var embed) ? (int)embed.shape[0] : c.Dim;
        return settings with { DecoderDepth = depth, DecoderDim = dim };
    }

    /// <summary>What a run of these settings would do, without a model, a step or a checkpoint: the config, the schedule and its curve.</summary>
    static int DryRun(CliContext context, PretrainConfig settings, long? resumeStep, string folder)
    {
        int images;
        using (var dataset = settings.Dataset.Open(Data.DataSplit.Train, settings.Patch)) images = dataset.Count;
        var schedule = PretrainSchedule.Of(settings, images);
        if (context.Launch is { Rank: > 0 }) return 0;
        context.Out.WriteLine(settings.ToJson());
        context.Out.WriteLine($"{images} training images: {schedule.MicroBatchesPerEpoch} micro-batches of {settings.Batch} an epoch, " +
                              $"{settings.Accumulation} per optimiser step, {settings.Epochs} epoch(s)");
        context.Out.WriteLine(schedule.LearningRate.Describe());
        if (schedule.LearningRate.Warning is { } warning) context.Out.WriteLine(warning);
        if (resumeStep is { } step) context.Out.WriteLine($"--resume continues after step {step}");
        if (schedule.StopStep < schedule.TotalSteps) context.Out.WriteLine($"--max-steps stops the run at step {schedule.StopStep} (dashed in the picture)");
        context.Out.WriteLine($"lr {LearningRateCurve.Sparkline(schedule.LearningRate)}");
        string curve = LearningRateCurve.Save(schedule.LearningRate, schedule.StopStep, folder, $"{settings.Method} · {settings.Model} · {schedule.LearningRate.Describe()}");
        context.Out.WriteLine($"lr schedule: {curve}");
        return 0;
    }

    static bool IsWithin(string path, string folder)
    {
        string root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        return path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>The option that sets a config setting: <c>--key</c>, and for the dataset's <c>--dataset</c>, <c>--data</c> or <c>--image-size</c> and so on.</summary>
    static string FlagOf(string setting) => setting switch
    {
        "dataset.kind" => "--dataset",
        "dataset.path" => "--data",
        _ => "--" + (setting.StartsWith("dataset.", StringComparison.Ordinal) ? setting["dataset.".Length..] : setting),
    };

    static PretrainSummary RunWithProgress(CliContext context, Pretraining run, bool resume, CancellationToken cancel)
    {
        if (!context.Console.Profile.Capabilities.Interactive)
            return run.Run(resume, new ConsolePretrainObserver(context, null), cancel);
        PretrainSummary? summary = null;
        context.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                var task = progress.AddTask("starting", maxValue: 1);
                summary = run.Run(resume, new ConsolePretrainObserver(context, task), cancel);
            });
        return summary!;
    }

    static void Report(CliContext context, PretrainConfig config, PretrainSummary summary, string folder)
    {
        // Drawn on every run, so a resume of a run killed before its pictures writes them.
        string curve = MetricsLog.ReadLosses(summary.MetricsPath).Count > 0
            ? LossCurve.Save(summary.MetricsPath, folder, $"{config.Method} · {config.Model} · {config.Segments} · {config.Order}")
            : "(no steps recorded)";
        var table = new Table().Title("pre-training summary").AddColumn("").AddColumn("").HideHeaders();
        table.AddRow("steps", $"{summary.StartStep} → {summary.Steps}");
        table.AddRow("loss", $"{summary.FirstLoss:F4} → {summary.LastLoss:F4}");
        table.AddRow("wall time", $"{summary.Wall:hh\\:mm\\:ss}");
        table.AddRow("throughput", $"{summary.ImagesPerSecond:F1} images/s");
        table.AddRow("peak memory", PeakMemory.Describe());
        table.AddRow("checkpoint", Markup.Escape(summary.CheckpointPath));
        table.AddRow("metrics", Markup.Escape(summary.MetricsPath));
        table.AddRow("loss curve", Markup.Escape(curve));
        string reconstruction = Path.Combine(folder, "reconstruction.png");
        ReconstructCommand.Render(context, summary.CheckpointPath, dataset => dataset, images: 8, first: null, seed: 0, scale: 6, _ => reconstruction, fewerIfShort: true);
        table.AddRow("reconstruction", Markup.Escape(reconstruction));
        if (config.TensorBoard) table.AddRow("tensorboard", Markup.Escape($"tensorboard --logdir {folder}"));
        context.Console.Write(table);
    }
}
