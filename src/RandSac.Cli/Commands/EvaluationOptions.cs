using System.CommandLine;
using RandSac.Data;
using RandSac.Evaluation;
using RandSac.Models;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>
/// What every evaluation command takes: the checkpoint (or its run folder), whether to use its
/// weights or a random encoder of its shape, the dataset (the checkpoint's unless overridden),
/// threads, and the batch for computing features.
/// </summary>
public sealed class EvaluationOptions
{
    readonly Option<string> _checkpoint = new("--checkpoint")
    {
        Description = "Pre-training checkpoint, or the run folder that holds checkpoint.safetensors. Results are written next to it.",
        Required = true,
    };

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
        command.Options.Add(_checkpoint);
        command.Options.Add(_threads);
        command.Options.Add(_featureBatch);
        command.Options.Add(_noCache);
        command.Options.Add(_trainSubset);
        command.Options.Add(_testSubset);
        Data.AddTo(command);
    }

    public int FeatureBatch(ParseResult parse) => parse.GetValue(_featureBatch) ?? 256;

    /// <summary>
    /// Loads the checkpoint and opens the dataset (both splits). The caller disposes the setup.
    /// Bad input (no such file, not a checkpoint, a dataset the encoder does not fit) becomes a
    /// one-line error.
    /// </summary>
    public EvaluationSetup Open(ParseResult parse)
    {
        string given = parse.GetValue(_checkpoint)!;
        string path = Path.GetFullPath(Directory.Exists(given) ? Checkpoint.PathIn(given) : given);
        if (!File.Exists(path)) throw new UserInputException($"--checkpoint: {path} does not exist");
        if (parse.GetValue(_threads) is { } threads)
        {
            if (threads < 1) throw new UserInputException($"--threads must be positive, got {threads}");
            TorchSharp.torch.set_num_threads(threads);
        }
        // Hashed as it is loaded: a run still in progress may replace the file later.
        string sha256 = EvaluationRecord.Sha256(path);
        var checkpoint = Checkpoint.Load(path);
        ImageDataset? train = null;
        try
        {
            var spec = Data.Apply(parse, checkpoint.Config.Dataset);
            train = Subset(spec.Open(DataSplit.Train, checkpoint.Config.Patch), parse.GetValue(_trainSubset), "--train-subset");
            var test = Subset(spec.Open(DataSplit.Test, checkpoint.Config.Patch), parse.GetValue(_testSubset), "--test-subset");
            return new EvaluationSetup(path, sha256, checkpoint, spec, train, test) { UseFeatureCache = !parse.GetValue(_noCache) };
        }
        catch
        {
            train?.Dispose();
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A seeded subset of <paramref name="count"/> images in dataset order (all of them when the
    /// dataset is no larger), replacing — and disposing — the full dataset.
    /// </summary>
    static ImageDataset Subset(ImageDataset dataset, int? count, string option)
    {
        if (count is not { } n) return dataset;
        if (n < 1)
        {
            dataset.Dispose();
            throw new UserInputException($"{option} must be positive, got {n}");
        }
        if (n >= dataset.Count) return dataset;
        using (dataset)
        {
            var order = Enumerable.Range(0, dataset.Count).ToArray();
            new SeededRandom(SeededRandom.Derive(0x5B5E7, dataset.Count)).Shuffle(order.AsSpan());
            return dataset.Subset(order.Take(n).Order().ToArray(), $"{dataset.Name}[seeded subset of {n}]");
        }
    }
}

/// <summary>A loaded checkpoint with the dataset it is evaluated on.</summary>
public sealed record EvaluationSetup(string CheckpointPath, string CheckpointSha256, Checkpoint Checkpoint, DatasetSpec Dataset,
    ImageDataset Train, ImageDataset Test) : IDisposable
{
    public string Folder => Path.GetDirectoryName(CheckpointPath)!;

    public bool UseFeatureCache { get; init; } = true;

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
        string identity = randomInit ? $"random-init seed {Checkpoint.Config.Seed}" : $"checkpoint {CheckpointSha256}";
        return new FeatureCache(Path.Combine(Folder, "features"), identity)
            .Get(encoder, dataset, Dataset, split, batch, observer, phase, cancel);
    }

    /// <summary>The encoder shape for this data, with an optional drop-path rate.</summary>
    public ViTConfig EncoderConfig(double dropPath = 0) =>
        EvaluationEncoder.ConfigOf(Checkpoint.Config, Train.Channels, Train.Height, dropPath);

    /// <summary>The checkpoint's encoder, or with <paramref name="randomInit"/> a random one of its shape drawn from the pre-training seed.</summary>
    public VisionTransformer Encoder(bool randomInit, double dropPath = 0) => randomInit
        ? EvaluationEncoder.RandomInit(EncoderConfig(dropPath), Checkpoint.Config.Seed)
        : EvaluationEncoder.FromCheckpoint(Checkpoint, EncoderConfig(dropPath));

    public string EncoderName => $"{Checkpoint.Config.Model} (patch {Checkpoint.Config.Patch})";

    public EvaluationRecord Record(string command, bool randomInit, int seed, object options, ClassificationResult accuracy,
        TimeSpan wall, long? steps = null, double? finalLoss = null) => new()
    {
        Command = command,
        Checkpoint = CheckpointPath,
        CheckpointSha256 = CheckpointSha256,
        CheckpointStep = Checkpoint.Step,
        RandomInit = randomInit,
        Seed = seed,
        Encoder = EncoderName,
        Dataset = Dataset,
        Options = options,
        Pretraining = Checkpoint.Config,
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
        Checkpoint.Dispose();
    }
}
