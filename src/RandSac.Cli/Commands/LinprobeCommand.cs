using System.CommandLine;
using System.Diagnostics;
using RandSac.Cli.Output;
using RandSac.Evaluation;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac linprobe</c>: BatchNorm + Linear trained with LARS on the frozen encoder's
/// features; top-1/top-5 on the test split. Fast mode (the default) computes the features once
/// without augmentation; <c>--fast false</c> is the paper's augmented probe.
/// </summary>
public static class LinprobeCommand
{
    public static Command Create(CliContext context)
    {
        var fastDefaults = LinearProbeOptions.For(fast: true);
        var slowDefaults = LinearProbeOptions.For(fast: false);
        var shared = new EvaluationOptions();
        var randomInit = new Option<bool>("--random-init") { Description = "Probe a randomly initialised encoder of the checkpoint's shape (pre-training seed) instead of its weights: the baseline." };
        var fast = new Option<bool?>("--fast")
        {
            Description = "Compute features once, without augmentation, and train the head on them: true (default) | false (the paper's augmented probe, an encoder pass per step).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var settings = new SettingOptions<LinearProbeOptions>(PretrainConfig.Json, ("fast", fastDefaults), ("augmented", slowDefaults));

        var command = new Command("linprobe", "Linear probe: BatchNorm + Linear with LARS on the frozen encoder's features; top-1/top-5 on the test split.")
        {
            randomInit, fast,
        };
        settings.AddTo(command);
        shared.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var start = LinearProbeOptions.For(CommonOptions.Flag(parse, fast) ?? true);
            var options = (settings.Apply(parse, start) with { FeatureBatch = shared.FeatureBatch(parse) }).Validated();
            bool random = parse.GetValue(randomInit);

            var clock = Stopwatch.StartNew();
            using var setup = shared.Open(context, parse, baseline: random);
            using var encoder = setup.Encoder(random);
            context.Out.WriteLine($"linear probe ({(options.Fast ? "fast: cached features, no augmentation" : "augmented")}) of " +
                                  $"{(random ? "a random " + setup.EncoderName : setup.Source)} " +
                                  $"on {setup.Dataset.DisplayName}: {setup.Train.Count} train / {setup.Test.Count} test images");
            var outcome = ConsoleEvaluationObserver.Run(context,
                observer => new LinearProbe(options).Run(encoder, setup.Train, setup.Test, observer, cancel,
                    (_, split) => setup.Features(encoder, random, split, options.FeatureBatch, observer, cancel)));
            var record = setup.Record("linprobe", random, options.Seed, options, outcome.Accuracy, clock.Elapsed, outcome.Steps, outcome.FinalLoss);
            string path = record.WriteNew(setup.Folder, random ? "linprobe-random-init" : "linprobe");
            EvaluationReport.Write(context, "linear probe", outcome.Accuracy, clock.Elapsed, path);
            return Task.FromResult(0);
        });
        return command;
    }
}
