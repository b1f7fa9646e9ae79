using System.CommandLine;
using System.Diagnostics;
using RandSac.Cli.Output;
using RandSac.Evaluation;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac finetune</c>: all weights trained with layer-decayed AdamW, RandAugment, mixup/cutmix,
/// label smoothing and drop path; from the checkpoint's encoder, or from random initialisation
/// (<c>--from-scratch</c>, the supervised baseline).
/// </summary>
public static class FinetuneCommand
{
    public static Command Create(CliContext context)
    {
        var defaults = new FineTuneOptions();
        var shared = new EvaluationOptions();
        var fromScratch = new Option<bool>("--from-scratch") { Description = "Train a randomly initialised encoder of the checkpoint's shape (pre-training seed): the supervised baseline." };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs (default {defaults.Epochs}; paper 100)." };
        var batch = new Option<int?>("--batch") { Description = $"Batch (default {defaults.Batch}; paper 1024)." };
        var baseLr = new Option<double?>("--base-lr") { Description = $"Base learning rate; the peak is base × batch / 256 (default {defaults.BaseLr})." };
        var warmup = new Option<double?>("--warmup-epochs") { Description = $"Warmup epochs (default {defaults.WarmupEpochs}; paper 5)." };
        var layerDecay = new Option<double?>("--layer-decay") { Description = $"Layer-wise lr decay (default {defaults.LayerDecay})." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = $"AdamW weight decay on matrices (default {defaults.WeightDecay})." };
        var dropPath = new Option<double?>("--drop-path") { Description = $"Stochastic depth rate (default {defaults.DropPath})." };
        var mixup = new Option<double?>("--mixup") { Description = $"Mixup alpha, 0 for none (default {defaults.Mixup})." };
        var cutmix = new Option<double?>("--cutmix") { Description = $"CutMix alpha, 0 for none (default {defaults.Cutmix})." };
        var smoothing = new Option<double?>("--smoothing") { Description = $"Label smoothing (default {defaults.LabelSmoothing})." };
        var randAugment = new Option<int?>("--randaug-ops") { Description = $"RandAugment ops per image, 0 for none (default {defaults.RandAugment.Ops}; magnitude 9, std 0.5)." };
        var clipGrad = new Option<double?>("--clip-grad") { Description = "Clip the gradient norm to this value (default: no clipping)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the head, data order, augmentation and mixing (default 0)." };
        var tensorBoard = new Option<bool?>("--tensorboard") { Description = "Write TensorBoard event files (loss, lr, images/s, test accuracy) in a new folder next to the checkpoint: true | false (default true).", Arity = ArgumentArity.ZeroOrOne };

        var command = new Command("finetune", "Fine-tune the whole encoder with a linear head (layer decay, RandAugment, mixup/cutmix); top-1/top-5 on the test split.")
        {
            fromScratch, epochs, batch, baseLr, warmup, layerDecay, weightDecay, dropPath, mixup, cutmix, smoothing, randAugment,
            clipGrad, seed, tensorBoard,
        };
        shared.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var options = (defaults with
            {
                Epochs = parse.GetValue(epochs) ?? defaults.Epochs,
                Batch = parse.GetValue(batch) ?? defaults.Batch,
                BaseLr = parse.GetValue(baseLr) ?? defaults.BaseLr,
                WarmupEpochs = parse.GetValue(warmup) ?? defaults.WarmupEpochs,
                LayerDecay = parse.GetValue(layerDecay) ?? defaults.LayerDecay,
                WeightDecay = parse.GetValue(weightDecay) ?? defaults.WeightDecay,
                DropPath = parse.GetValue(dropPath) ?? defaults.DropPath,
                Mixup = parse.GetValue(mixup) ?? defaults.Mixup,
                Cutmix = parse.GetValue(cutmix) ?? defaults.Cutmix,
                LabelSmoothing = parse.GetValue(smoothing) ?? defaults.LabelSmoothing,
                RandAugment = defaults.RandAugment with { Ops = parse.GetValue(randAugment) ?? defaults.RandAugment.Ops },
                ClipGrad = parse.GetValue(clipGrad) ?? defaults.ClipGrad,
                Seed = parse.GetValue(seed) ?? defaults.Seed,
                EvalBatch = shared.FeatureBatch(parse),
            }).Validated();
            bool scratch = parse.GetValue(fromScratch);

            var clock = Stopwatch.StartNew();
            var world = context.Ranks();
            // The node's cores shared among its ranks, unless --threads says otherwise (Open sets it).
            if (world.DefaultThreads is { } perRank) TorchSharp.torch.set_num_threads(perRank);
            using var setup = shared.Open(context, parse);
            DataParallelReport.Start(context, world, options.Batch, TorchSharp.torch.get_num_threads());
            var encoder = setup.Encoder(scratch, options.DropPath);
            context.Out.WriteLine($"fine-tuning {(scratch ? "a random " + setup.EncoderName + " (from scratch)" : setup.Source)} " +
                                  $"on {setup.Dataset.DisplayName}: {setup.Train.Count} train / {setup.Test.Count} test images, {options.Epochs} epoch(s) at batch {options.Batch}");
            using var board = world.IsWriter && (CommonOptions.Flag(parse, tensorBoard) ?? true)
                ? new FineTuneTensorBoard(FineTuneTensorBoard.NewFolder(setup.Folder, scratch ? "finetune-from-scratch" : "finetune"))
                : null;
            var outcome = ConsoleEvaluationObserver.Run(context,
                observer => new FineTuning(options) { TensorBoard = board, Parallel = world }.Run(encoder, setup.Train, setup.Test, observer, cancel));
            encoder.Dispose();
            if (!world.IsWriter) return Task.FromResult(0);
            var record = setup.Record("finetune", scratch, options.Seed, options, outcome.Accuracy, clock.Elapsed, outcome.Steps, outcome.FinalLoss);
            string path = record.WriteNew(setup.Folder, scratch ? "finetune-from-scratch" : "finetune");
            EvaluationReport.Write(context, "fine-tuning", outcome.Accuracy, clock.Elapsed, path);
            if (board is not null) context.Out.WriteLine($"tensorboard: tensorboard --logdir {board.Folder}");
            return Task.FromResult(0);
        });
        return command;
    }
}
