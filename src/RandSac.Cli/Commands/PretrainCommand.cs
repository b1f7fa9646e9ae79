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
        var config = new Option<FileInfo?>("--config") { Description = "JSON config file (see configs/); flags win over it." };
        var data = new DatasetOptions();
        var patch = new Option<int?>("--patch") { Description = $"Patch size in pixels (default {defaults.Patch})." };
        var model = new Option<string?>("--model") { Description = $"Encoder preset: {string.Join(" | ", ViTConfig.PresetNames)} (default {defaults.Model})." };
        var method = new Option<string?>("--method") { Description = $"Pre-training method: {PretrainMethods.Help} (default {defaults.Method})." };
        var segments = new Option<string?>("--segments") { Description = $"Segments: {Segments.SegmenterSpec.Help} (default {defaults.Segments})." };
        var order = new Option<string?>("--order") { Description = $"Segment order: {Orders.OrderSpec.Help} (default {defaults.Order})." };
        var decoderDepth = new Option<int?>("--decoder-depth") { Description = $"Decoder layers (default {defaults.DecoderDepth})." };
        var decoderDim = new Option<int?>("--decoder-dim") { Description = "Decoder width (default: the encoder's)." };
        var decoderHeads = new Option<int?>("--decoder-heads") { Description = "Decoder heads (default: the encoder's)." };
        var skip = new Option<bool?>("--skip") { Description = "Trainable skip connections from every encoder block to the decoder: true | false (default true).", Arity = ArgumentArity.ZeroOrOne };
        var normPix = new Option<bool?>("--norm-pix-loss") { Description = "Predict per-patch normalised pixels: true | false (default true).", Arity = ArgumentArity.ZeroOrOne };
        var maskRatio = new Option<double?>("--mask-ratio") { Description = $"MAE's masking ratio (default {defaults.MaskRatio})." };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs (default {defaults.Epochs})." };
        var batch = new Option<int?>("--batch") { Description = $"Images per micro-batch (default {defaults.Batch})." };
        var accumulation = new Option<int?>("--accumulation") { Description = "Micro-batches per optimiser step (default 1)." };
        var baseLr = new Option<double?>("--base-lr") { Description = $"Base learning rate; the peak is base × effective batch / 256 (default {defaults.BaseLr})." };
        var minLr = new Option<double?>("--min-lr") { Description = "Learning rate at the end of the cosine (default 0)." };
        var warmup = new Option<double?>("--warmup-epochs") { Description = $"Linear warmup, in epochs (default {defaults.WarmupEpochs})." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = $"AdamW weight decay on matrices (default {defaults.WeightDecay})." };
        var clipGrad = new Option<double?>("--clip-grad") { Description = "Clip the gradient norm to this value (default: no clipping)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of initialisation, data order, augmentation and segment sampling (default 0)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: checkpoint, metrics, pictures.", Required = true };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = $"Optimiser steps between checkpoints (default {defaults.CheckpointEvery}); one is always written at the end." };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Stop after this many optimiser steps (a smoke run); the schedule still spans all epochs." };
        var threads = new Option<int?>("--threads") { Description = "Intra-op threads (default: the number of physical cores)." };
        var precision = new Option<string?>("--precision") { Description = $"Compute precision: {Precisions.Help} (bf16: bfloat16 compute, float32 master weights, optimiser state and loss; default fp32)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out exactly where its last checkpoint stopped." };
        var tensorBoard = new Option<bool?>("--tensorboard") { Description = "Write TensorBoard event files in the run folder (scalars every step, the reconstruction picture every few): true | false (default true).", Arity = ArgumentArity.ZeroOrOne };
        var tensorBoardImageEvery = new Option<int?>("--tensorboard-image-every") { Description = "Optimiser steps between reconstruction pictures in TensorBoard (default: the checkpoint interval); one is always drawn at the end." };
        var knnEvery = new Option<int?>("--knn-every") { Description = "Every N optimiser steps (and at the end), kNN top-1 of the encoder on held-out subsets (default: never)." };
        var knnBank = new Option<int?>("--knn-bank") { Description = $"Train images in the kNN memory bank (default {KnnMonitor.DefaultBank})." };
        var init = new Option<string?>("--init")
        {
            Description = "Start from these weights: a RandSac checkpoint (its encoder), or a timm/DeiT/MAE file to import " +
                          "(safetensors, .pth, a timm folder); the encoder's shape, and with --method mae an MAE decoder's, come from the file.",
        };
        var heads = new Option<int?>("--heads") { Description = "Attention heads of the --init encoder, when the file does not say." };
        var knnQueries = new Option<int?>("--knn-queries") { Description = $"Test images queried by kNN (default {KnnMonitor.DefaultQueries})." };

        var command = new Command("pretrain", "Pre-train a ViT encoder with RandSAC (or a baseline) and checkpoint it.")
        {
            config, patch, model, method, segments, order, decoderDepth, decoderDim, decoderHeads, skip, normPix, maskRatio,
            epochs, batch, accumulation, baseLr, minLr, warmup, weightDecay, clipGrad, seed, output, checkpointEvery,
            maxSteps, threads, precision, resume, tensorBoard, tensorBoardImageEvery, knnEvery, knnBank, knnQueries, init, heads,
        };
        data.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            string folder = parse.GetValue(output)!.FullName;
            if (File.Exists(folder)) throw new UserInputException($"--out {folder} is a file; a run needs a folder");
            bool resuming = parse.GetValue(resume);
            var file = parse.GetValue(config);
            PretrainConfig Requested(PretrainConfig start) => start with
            {
                Dataset = data.Apply(parse, start.Dataset),
                Patch = parse.GetValue(patch) ?? start.Patch,
                Model = parse.GetValue(model) ?? start.Model,
                Method = parse.GetValue(method) ?? start.Method,
                Segments = parse.GetValue(segments) ?? start.Segments,
                Order = parse.GetValue(order) ?? start.Order,
                DecoderDepth = parse.GetValue(decoderDepth) ?? start.DecoderDepth,
                DecoderDim = parse.GetValue(decoderDim) ?? start.DecoderDim,
                DecoderHeads = parse.GetValue(decoderHeads) ?? start.DecoderHeads,
                Skip = Flag(parse, skip) ?? start.Skip,
                NormPixLoss = Flag(parse, normPix) ?? start.NormPixLoss,
                MaskRatio = parse.GetValue(maskRatio) ?? start.MaskRatio,
                Epochs = parse.GetValue(epochs) ?? start.Epochs,
                Batch = parse.GetValue(batch) ?? start.Batch,
                Accumulation = parse.GetValue(accumulation) ?? start.Accumulation,
                BaseLr = parse.GetValue(baseLr) ?? start.BaseLr,
                MinLr = parse.GetValue(minLr) ?? start.MinLr,
                WarmupEpochs = parse.GetValue(warmup) ?? start.WarmupEpochs,
                WeightDecay = parse.GetValue(weightDecay) ?? start.WeightDecay,
                ClipGrad = parse.GetValue(clipGrad) ?? start.ClipGrad,
                Seed = parse.GetValue(seed) ?? start.Seed,
                CheckpointEvery = parse.GetValue(checkpointEvery) ?? start.CheckpointEvery,
                MaxSteps = parse.GetValue(maxSteps) ?? start.MaxSteps,
                Threads = parse.GetValue(threads) ?? start.Threads,
                Precision = ParsePrecision(parse.GetValue(precision)) ?? start.Precision,
                TensorBoard = Flag(parse, tensorBoard) ?? start.TensorBoard,
                TensorBoardImageEvery = parse.GetValue(tensorBoardImageEvery) ?? start.TensorBoardImageEvery,
                Init = parse.GetValue(init) is { } weights ? Path.GetFullPath(weights) : start.Init,
            };
            PretrainConfig settings;
            if (resuming)
            {
                // A resumed run keeps its recorded settings: what it computes may not change, only
                // where its data lives and how it runs. Anything else asked for is refused, by name.
                string path = Checkpoint.PathIn(folder);
                if (!File.Exists(path)) throw new UserInputException($"--resume: {path} does not exist");
                PretrainConfig recorded;
                using (var checkpoint = CheckpointFile.Load(context, path)) recorded = checkpoint.Config;
                settings = Requested(file is null ? recorded : PretrainConfig.Load(file.FullName));
                var conflicts = recorded.ResumeConflicts(settings);
                if (conflicts.Count > 0)
                    throw new UserInputException($"--resume: {folder} was made with other settings: " +
                        string.Join(", ", conflicts.Select(c => $"{FlagOf(command, c.Name)} {c.Other} (the run has {c.Value})")) +
                        "; drop them to continue the run, or start a new one with another --out");
            }
            else
            {
                settings = Requested(file is null ? defaults : PretrainConfig.Load(file.FullName));
                if (settings.Init is not null)
                    settings = ShapeOfInit(settings, parse.GetValue(heads),
                        keepModel: parse.GetValue(model) is not null, keepPatch: parse.GetValue(patch) is not null,
                        keepDecoder: parse.GetValue(decoderDepth) is not null || parse.GetValue(decoderDim) is not null);
            }
            if (settings.Dataset.Path is { } dataPath && IsWithin(folder, dataPath))
                throw new UserInputException($"--out {folder} is inside the dataset's folder {dataPath}; a run folder there would become part of the data");
            int? every = parse.GetValue(knnEvery);
            if (every is <= 0) throw new UserInputException($"--knn-every must be positive, got {every}");
            var world = context.Ranks();
            DataParallelReport.Start(context, world, settings.Batch, settings.Threads);
            // The probe measures rank 0's encoder, which is every rank's.
            using var monitor = every is null || !world.IsWriter ? null : new KnnMonitor(settings.Dataset,
                parse.GetValue(knnBank) ?? KnnMonitor.DefaultBank, parse.GetValue(knnQueries) ?? KnnMonitor.DefaultQueries, settings.Seed);
            var run = new Pretraining(settings, folder) { Probe = monitor?.Probe(every!.Value), Note = context.Out.WriteLine, Parallel = world };
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

    static bool IsWithin(string path, string folder)
    {
        string root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        return path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>The option that sets a config setting (<c>dataset.kind</c> is <c>--dataset</c>), or the setting's name in a --config file.</summary>
    static string FlagOf(Command command, string setting)
    {
        string name = setting == "dataset.kind" ? "--dataset" : "--" + (setting.StartsWith("dataset.", StringComparison.Ordinal) ? setting["dataset.".Length..] : setting);
        return command.Options.Any(o => o.Name == name) ? name : $"{setting} (--config)";
    }

    static Precision? ParsePrecision(string? value) => value is null ? null : Precisions.Parse(value);

    /// <summary>A bare <c>--skip</c> means true.</summary>
    internal static bool? Flag(ParseResult parse, Option<bool?> option) =>
        parse.GetResult(option) is null ? null : parse.GetValue(option) ?? true;

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
