using System.CommandLine;
using System.Diagnostics;
using RandSac.Cli.Output;
using RandSac.Data;
using RandSac.Evaluation;
using RandSac.Settings;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac knn</c>: weighted kNN (DINO's) with the train split's features as the memory bank
/// and the test split's as queries.
/// </summary>
public static class KnnCommand
{
    public sealed record KnnOptions
    {
        [Setting("Neighbours.")]
        public int K { get; init; } = KnnClassifier.DefaultK;

        [Setting("Vote weight exp(similarity / T).")]
        public double Temperature { get; init; } = KnnClassifier.DefaultTemperature;

        /// <summary>Images per encoder forward (the command line's --feature-batch).</summary>
        public int FeatureBatch { get; init; } = 256;
    }

    public static Command Create(CliContext context)
    {
        var shared = new EvaluationOptions();
        var randomInit = new Option<bool>("--random-init") { Description = "Use a randomly initialised encoder of the checkpoint's shape (pre-training seed) instead of its weights: the baseline." };
        var settings = new SettingOptions<KnnOptions>(PretrainConfig.Json, new KnnOptions());

        var command = new Command("knn", "Weighted kNN (k=20, cosine, T=0.07, as DINO) on L2-normalised features: train split as the bank, test split as queries.")
        {
            randomInit,
        };
        settings.AddTo(command);
        shared.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var options = settings.Apply(parse, new KnnOptions()) with { FeatureBatch = shared.FeatureBatch(parse) };
            var knn = new KnnClassifier(options.K, options.Temperature);
            bool random = parse.GetValue(randomInit);

            var clock = Stopwatch.StartNew();
            using var setup = shared.Open(context, parse, baseline: random);
            if (knn.K > setup.Train.Count)
                throw new UserInputException($"--k {knn.K} is larger than the memory bank ({setup.Train.Count} train images)");
            using var encoder = setup.Encoder(random);
            context.Out.WriteLine($"kNN (k={knn.K}, T={knn.Temperature}) of " +
                                  $"{(random ? "a random " + setup.EncoderName : setup.Source)} " +
                                  $"on {setup.Dataset.DisplayName}: {setup.Train.Count} bank / {setup.Test.Count} query images");
            var accuracy = ConsoleEvaluationObserver.Run(context, observer =>
            {
                using var bank = setup.Features(encoder, random, DataSplit.Train, options.FeatureBatch, observer, cancel);
                using var queries = setup.Features(encoder, random, DataSplit.Test, options.FeatureBatch, observer, cancel);
                return knn.Evaluate(bank, queries);
            });
            var record = setup.Record("knn", random, setup.Seed, options, accuracy, clock.Elapsed);
            string path = record.WriteNew(setup.Folder, random ? "knn-random-init" : "knn");
            EvaluationReport.Write(context, "kNN", accuracy, clock.Elapsed, path);
            return Task.FromResult(0);
        });
        return command;
    }
}
