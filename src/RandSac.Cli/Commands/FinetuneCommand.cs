using System.CommandLine;
using System.Diagnostics;
using RandSac.Cli.Output;
using RandSac.Evaluation;
using RandSac.Training;

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
        var settings = new SettingOptions<FineTuneOptions>(PretrainConfig.Json, defaults);
        var randAugment = new Option<int?>("--randaug-ops") { Description = $"RandAugment ops per image, 0 for none (default {defaults.RandAugment.Ops}; magnitude 9, std 0.5)." };
        var tensorBoard = new Option<bool?>("--tensorboard") { Description = "Write TensorBoard event files (loss, lr, images/s, test accuracy) in a new folder next to the checkpoint: true | false (default true).", Arity = ArgumentArity.ZeroOrOne };

        var command = new Command("finetune", "Fine-tune the whole encoder with a linear head (layer decay, RandAugment, mixup/cutmix); top-1/top-5 on the test split.")
        {
            fromScratch,
        };
        settings.AddTo(command);
        command.Options.Add(randAugment);
        command.Options.Add(tensorBoard);
        shared.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var given = settings.Apply(parse, defaults);
            var options = (given with
            {
                RandAugment = given.RandAugment with { Ops = parse.GetValue(randAugment) ?? given.RandAugment.Ops },
                EvalBatch = shared.FeatureBatch(parse),
            }).Validated();
            bool scratch = parse.GetValue(fromScratch);

            var clock = Stopwatch.StartNew();
            var world = context.Ranks();
            // The node's cores shared among its ranks, unless --threads says otherwise (Open sets it).
            if (world.DefaultThreads is { } perRank) TorchSharp.torch.set_num_threads(perRank);
            using var setup = shared.Open(context, parse, baseline: scratch);
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
