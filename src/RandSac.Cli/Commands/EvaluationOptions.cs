using System.CommandLine;
using RandSac.Data;
using RandSac.Evaluation;
using RandSac.IO;
using RandSac.Models;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>
/// What every evaluation command takes: the checkpoint (or its run folder, or weights to import),
/// whether to use its weights or a random encoder of its shape, the dataset (the checkpoint's
/// unless overridden), threads, and the batch for computing features.
/// </summary>
public sealed class EvaluationOptions
{
    public WeightsOptions Weights { get; } = new();

    readonly Option<int?> _threads = new("--threads") { Description = "Intra-op threads (default: the number of cores)." };

    readonly Option<int?> _featureBatch = new("--feature-batch") { Description = "Images per encoder forward when computing features (default 256)." };

    readonly Option<bool> _noCache = new("--no-feature-cache")
    {
        Description = "Do not keep un-augmented features in <run>/features/ (by default linprobe --fast and knn of the same encoder and data compute them once).",
    };

    readonly Option<int?> _trainSubset = new("--train-subset")
    {
        Description = "Use a fixed seeded subset of this many train images (the same for every command), e.g. on a slow machine.",
    };

    readonly Option<int?> _testSubset = new("--test-subset")
    {
        Description = "Use a fixed seeded subset of this many test images (the same for every command).",
    };

    public DatasetOptions Data { get; } = new();

    public void AddTo(Command command)
    {
        Weights.AddTo(command);
        command.Options.Add(_threads);
        command.Options.Add(_featureBatch);
        command.Options.Add(_noCache);
        command.Options.Add(_trainSubset);
        command.Options.Add(_testSubset);
        Data.AddTo(command);
    }

    public int FeatureBatch(ParseResult parse) => parse.GetValue(_featureBatch) ?? 256;

    /// <summary>
    /// Loads the checkpoint (or imports the weights) and opens the dataset (both splits), normalised
    /// as the weights were trained when that is known: a checkpoint's recorded statistics on its own
    /// dataset, or an imported model's config.json. A <paramref name="baseline"/> (a random encoder of
    /// the weights' shape) may instead be drawn from a run's config.json alone, normalised as its
    /// pre-training was. The caller disposes the setup. Bad input (no such file, an unreadable or
    /// mismatched state dict, a dataset the encoder does not fit) becomes a one-line error. A
    /// <paramref name="scored"/> command measures a classifier, so it also refuses an image folder
    /// without train/ and val/ (its test images would be its training images) and training data of
    /// fewer than two classes.
    /// </summary>
    public EvaluationSetup Open(CliContext context, ParseResult parse, bool scored = true, bool baseline = false)
    {
        Action<string> note = context.Out.WriteLine;
        string path = Weights.ResolvePath(parse);
        if (parse.GetValue(_threads) is { } threads)
        {
            if (threads < 1) throw new UserInputException($"--threads must be positive, got {threads}");
            TorchSharp.torch.set_num_threads(threads);
        }
        var runConfig = WeightsFile.RunConfig(path);
        if (runConfig is { File: var configFile } && !baseline)
            throw new UserInputException($"--checkpoint {path}: {(configFile == path ? "a pre-training config" : "a run folder without a checkpoint")} holds no weights; " +
                                         "only a random baseline (--random-init, --from-scratch) can be drawn from it");
        var (checkpoint, imported) = runConfig is null ? Weights.Load(context, parse, path) : (null, null);
        path = imported?.Path ?? runConfig?.File ?? path;
        var pretraining = checkpoint?.Config ?? runConfig?.Config;
        // Hashed as it is loaded: a run still in progress may replace the file later.
        string sha256 = EvaluationRecord.Sha256(path);
        ImageDataset? train = null;
        try
        {
            var spec = Data.Apply(parse, pretraining?.Dataset);
            if (scored && !spec.HasHeldOutTestSplit())
                throw new UserInputException($"--data {spec.Path}: an image folder without train/ and val/ has no held-out images, and " +
                                             "scoring the encoder on its training images would say nothing; put them in train/<class>/ and val/<class>/");
            int patch = pretraining?.Patch ?? imported!.Config.PatchSize;
            var wholeTrain = spec.Open(DataSplit.Train, patch);
            // A pre-training records the statistics of its training split opened just so (Pretraining.Save); a config alone has them measured again.
            var trained = checkpoint is not null ? checkpoint.Normalisation : runConfig is not null ? Normalisation.Of(wholeTrain) : null;
            (train, var trainIndices) = Subset(wholeTrain, parse.GetValue(_trainSubset), "--train-subset");
            int classes = train.Labels.Distinct().Count();
            if (scored && classes < 2)
                throw new UserInputException($"--data {spec.Path ?? spec.DisplayName}: the training images hold {classes} class; a classifier needs at least 2 to be measured");
            var (test, testIndices) = Subset(spec.Open(DataSplit.Test, patch), parse.GetValue(_testSubset), "--test-subset");
            var normalisation = trained is not null && spec == pretraining!.Dataset ? trained
                : imported?.Normalisation is { } expected ? new Normalisation(expected.Mean, expected.Std) : null;
            if (normalisation is not null)
            {
                train.UseNormalisation(normalisation);
                test.UseNormalisation(normalisation);
                note($"normalising both splits with {(imported is not null ? "config.json's" : "the training data's")} {normalisation}");
            }
            return new EvaluationSetup(path, sha256, checkpoint, imported, runConfig?.Config, spec, train, test)
            {
                UseFeatureCache = !parse.GetValue(_noCache), TrainIndices = trainIndices, TestIndices = testIndices,
            };
        }
        catch
        {
            train?.Dispose();
            checkpoint?.Dispose();
            imported?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A seeded subset of <paramref name="count"/> images in dataset order (all of them when the
    /// dataset is no larger), replacing — and disposing — the full dataset, with each image's index
    /// in the full dataset.
    /// </summary>
    static (ImageDataset Dataset, int[] Indices) Subset(ImageDataset dataset, int? count, string option)
    {
        if (count is not { } n) return (dataset, Enumerable.Range(0, dataset.Count).ToArray());
        if (n < 1)
        {
            dataset.Dispose();
            throw new UserInputException($"{option} must be positive, got {n}");
        }
        if (n >= dataset.Count) return (dataset, Enumerable.Range(0, dataset.Count).ToArray());
        using (dataset)
        {
            var order = Enumerable.Range(0, dataset.Count).ToArray();
            new SeededRandom(SeededRandom.Derive(0x5B5E7, dataset.Count)).Shuffle(order.AsSpan());
            var indices = order.Take(n).Order().ToArray();
            return (dataset.Subset(indices, $"{dataset.Name}[seeded subset of {n}]"), indices);
        }
    }
}

/// <summary>
/// A loaded checkpoint, an imported encoder, or for a random baseline a run's pre-training config alone
/// (exactly one is non-null), with the dataset it is evaluated on.
/// </summary>
public sealed record EvaluationSetup(string CheckpointPath, string CheckpointSha256, Checkpoint? Checkpoint, ImportedEncoder? Imported,
    PretrainConfig? RunConfig, DatasetSpec Dataset, ImageDataset Train, ImageDataset Test) : IDisposable
{
    /// <summary>The pre-training's config: the checkpoint's, or the run's; null for imported weights.</summary>
    public PretrainConfig? Pretraining => Checkpoint?.Config ?? RunConfig;

    /// <summary>The pre-training seed (0 for imported weights): it draws the random-init baseline.</summary>
    public int Seed => Pretraining?.Seed ?? 0;

    public string Folder => Path.GetDirectoryName(CheckpointPath)!;

    public bool UseFeatureCache { get; init; } = true;

    /// <summary>Where each train image sits in the whole split (a subset's picks, else 0..N−1).</summary>
    public required int[] TrainIndices { get; init; }

    /// <summary>Where each test image sits in the whole split.</summary>
    public required int[] TestIndices { get; init; }

    /// <summary>
    /// Un-augmented features of one split, from <c>&lt;run&gt;/features/</c> when they were computed before
    /// for the same weights and data (unless the cache is off).
    /// </summary>
    public FeatureSet Features(VisionTransformer encoder, bool randomInit, DataSplit split, int batch,
        IEvaluationObserver? observer, CancellationToken cancel)
    {
        var dataset = split == DataSplit.Train ? Train : Test;
        string phase = $"{split.ToString().ToLowerInvariant()} features";
        if (!UseFeatureCache) return FeatureExtractor.Extract(encoder, dataset, batch, observer, phase, cancel);
        string identity = randomInit ? $"random-init seed {Seed}" : $"checkpoint {CheckpointSha256}";
        return new FeatureCache(Path.Combine(Folder, "features"), identity)
            .Get(encoder, dataset, Dataset, split, batch, observer, phase, cancel);
    }

    /// <summary>The encoder shape for this data, with an optional drop-path rate.</summary>
    public ViTConfig EncoderConfig(double dropPath = 0) => Pretraining is not null
        ? EvaluationEncoder.ConfigOf(Pretraining, Train.Channels, Train.Height, dropPath)
        : Imported!.Config with { Channels = Train.Channels, ImageHeight = Train.Height, ImageWidth = Train.Width, DropPathRate = dropPath };

    /// <summary>The checkpoint's encoder, or with <paramref name="randomInit"/> a random one of its shape drawn from the pre-training seed.</summary>
    public VisionTransformer Encoder(bool randomInit, double dropPath = 0) => randomInit
        ? EvaluationEncoder.RandomInit(EncoderConfig(dropPath), Seed)
        : Checkpoint is not null
            ? EvaluationEncoder.FromCheckpoint(Checkpoint, EncoderConfig(dropPath))
            : Imported?.CreateEncoder(EncoderConfig(dropPath))
              ?? throw new InvalidOperationException($"{CheckpointPath} is a pre-training config: it holds no weights, only a random baseline's shape");

    public string EncoderName => Pretraining is not null
        ? $"{Pretraining.Model} (patch {Pretraining.Patch})"
        : $"imported {Imported!.Config.Dim}/{Imported.Config.Depth}/{Imported.Config.Heads} (patch {Imported.Config.PatchSize})";

    /// <summary>The encoder and where its weights come from, e.g. "mini (patch 4) at step 200".</summary>
    public string Source => Checkpoint is not null ? $"{EncoderName} at step {Checkpoint.Step}"
        : Imported is not null ? $"{EncoderName} from {Imported.Format}"
        : $"{EncoderName} of {CheckpointPath} (no weights)";

    public EvaluationRecord Record(string command, bool randomInit, int seed, object options, ClassificationResult accuracy,
        TimeSpan wall, long? steps = null, double? finalLoss = null) => new()
    {
        Command = command,
        Checkpoint = CheckpointPath,
        CheckpointSha256 = CheckpointSha256,
        CheckpointStep = Checkpoint?.Step ?? 0,
        RandomInit = randomInit,
        Seed = seed,
        Encoder = EncoderName,
        Dataset = Dataset,
        Options = options,
        Pretraining = Pretraining,
        TrainImages = Train.Count,
        TestImages = Test.Count,
        Top1 = accuracy.Top1,
        Top5 = accuracy.Top5,
        PerClass = accuracy.PerClass,
        Steps = steps,
        FinalLoss = finalLoss is { } loss && double.IsFinite(loss) ? loss : null,
        WallSeconds = wall.TotalSeconds,
        Finished = DateTimeOffset.UtcNow,
    };

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
        Checkpoint?.Dispose();
        Imported?.Dispose();
    }
}
