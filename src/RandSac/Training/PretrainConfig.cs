using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RandSac.Data;
using RandSac.Models;
using RandSac.Orders;
using RandSac.Segments;
using RandSac.Settings;

namespace RandSac.Training;

/// <summary>
/// Everything that defines a pre-training run. Saved with every checkpoint so a run can be
/// resumed, evaluated and reproduced; read from a JSON config file, with command-line flags on top.
/// Defaults are the paper's CIFAR recipe where it fixes one.
/// </summary>
public sealed record PretrainConfig
{
    // Each setting is declared here once: its [Setting] help, with the default below, is the --help of
    // `pretrain --name` (the kebab-case config key), and Validated() checks it.
    public DatasetSpec Dataset { get; init; } = new();

    [Setting("Patch size in pixels.")]
    public int Patch { get; init; } = 4;

    [Setting($"Encoder preset: {ViTConfig.PresetHelp}, or DIM/DEPTH/HEADS.")]
    public string Model { get; init; } = "mini";

    [Setting($"Pre-training method: {PretrainMethods.Help}.")]
    public string Method { get; init; } = "randsac";

    [Setting($"Segments: {SegmenterSpec.Help}.")]
    public string Segments { get; init; } = "square:2";

    [Setting($"Segment order: {OrderSpec.Help}.")]
    public string Order { get; init; } = "hier:4";

    [Setting("Decoder layers.")]
    public int DecoderDepth { get; init; } = 4;

    [Setting("Decoder width.", Unset = "the encoder's")]
    public int? DecoderDim { get; init; }

    [Setting("Decoder heads.", Unset = "the encoder's")]
    public int? DecoderHeads { get; init; }

    [Setting("Trainable skip connections from every encoder block to the decoder: true | false.")]
    public bool Skip { get; init; } = true;

    [Setting("Predict per-patch normalised pixels: true | false.")]
    public bool NormPixLoss { get; init; } = true;

    [Setting("MAE's masking ratio.")]
    public double MaskRatio { get; init; } = 0.75;

    [Setting("Stochastic depth of the encoder: the chance a block's residual branches are dropped for a sample, rising linearly to this rate in the last block.")]
    public double DropPath { get; init; }

    [Setting("Epochs.")]
    public int Epochs { get; init; } = 1;

    [Setting("Images per micro-batch.")]
    public int Batch { get; init; } = 64;

    /// <summary>The effective batch is Batch × Accumulation.</summary>
    [Setting("Micro-batches summed into one optimiser step.")]
    public int Accumulation { get; init; } = 1;

    [Setting("Base learning rate; the peak is base × effective batch / 256.")]
    public double BaseLr { get; init; } = 1e-3;

    [Setting("Learning rate at the end of the cosine.")]
    public double MinLr { get; init; }

    [Setting("Linear warmup, in epochs.")]
    public double WarmupEpochs { get; init; } = 10;

    [Setting("AdamW weight decay on matrices.")]
    public double WeightDecay { get; init; } = 0.05;

    [Setting("AdamW's first-moment decay.")]
    public double Beta1 { get; init; } = 0.9;

    [Setting("AdamW's second-moment decay.")]
    public double Beta2 { get; init; } = 0.95;

    [Setting("Clip the gradient norm to this value.", Unset = "no clipping")]
    public double? ClipGrad { get; init; }

    /// <summary>See <see cref="InitialWeights"/>.</summary>
    [Setting("Start from these weights: a RandSac checkpoint (its encoder), or a timm/DeiT/MAE file to import " +
             "(safetensors, .pth, a timm folder); the encoder's shape, and with --method mae an MAE decoder's, come from the file.",
        Unset = "MAE's random initialisation")]
    public string? Init { get; init; }

    [Setting("Seed of initialisation, data order, augmentation and segment or mask sampling.")]
    public int Seed { get; init; }

    [Setting("Optimiser steps between checkpoints; one is always written at the end.")]
    public int CheckpointEvery { get; init; } = 500;

    [Setting("Stop after this many optimiser steps (a smoke run); the schedule still spans all epochs.", Unset = "all of them")]
    public long? MaxSteps { get; init; }

    [Setting("Intra-op threads.", Unset = "the number of physical cores")]
    public int? Threads { get; init; }

    [Setting($"Compute precision: {Precisions.Help} (bf16: bfloat16 forward and backward on a working copy of the weights; " +
             "float32 master weights, optimiser state and loss).")]
    [JsonConverter(typeof(PrecisionJsonConverter))]
    public Precision Precision { get; init; } = Precision.Fp32;

    [Setting("Write TensorBoard event files in the run folder (scalars every step, the reconstruction picture every few): true | false.")]
    [JsonPropertyName("tensorboard")]
    public bool TensorBoard { get; init; } = true;

    [Setting("Optimiser steps between reconstruction pictures in TensorBoard; one is always drawn at the end.", Unset = "the checkpoint interval")]
    [JsonPropertyName("tensorboard-image-every")]
    public int? TensorBoardImageEvery { get; init; }

    [JsonIgnore]
    public int EffectiveBatch => Batch * Accumulation;

    public PretrainOptions ModelOptions(int channels, int imageSize) => new(
        PretrainMethods.Parse(Method),
        ViTConfig.Preset(Model, Patch, channels, imageSize, DropPath),
        new DecoderConfig(DecoderDepth, DecoderDim, DecoderHeads),
        Skip,
        MaskRatio);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public PretrainConfig Validated()
    {
        foreach (var (name, value) in new[] { ("base learning rate", BaseLr), ("minimum learning rate", MinLr), ("warmup epochs", WarmupEpochs),
                     ("weight decay", WeightDecay), ("beta1", Beta1), ("beta2", Beta2), ("mask ratio", MaskRatio), ("drop path", DropPath), ("gradient clipping", ClipGrad ?? 1) })
            Require(double.IsFinite(value), $"{name} must be a finite number, got {value}");
        Require(Patch > 0, $"patch size must be positive, got {Patch}");
        Require(Epochs > 0, $"epochs must be positive, got {Epochs}");
        Require(Batch > 0, $"batch must be positive, got {Batch}");
        Require(Accumulation > 0, $"accumulation must be positive, got {Accumulation}");
        Require(BaseLr > 0, $"base learning rate must be positive, got {BaseLr}");
        Require(MinLr >= 0 && MinLr <= BaseLr, $"minimum learning rate must be in [0, base lr], got {MinLr}");
        Require(WarmupEpochs >= 0, $"warmup epochs must not be negative, got {WarmupEpochs}");
        Require(WeightDecay >= 0, $"weight decay must not be negative, got {WeightDecay}");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, $"betas must be in [0, 1), got ({Beta1}, {Beta2})");
        Require(ClipGrad is null or > 0, $"gradient clipping must be positive, got {ClipGrad}");
        Require(CheckpointEvery > 0, $"checkpoint interval must be positive, got {CheckpointEvery}");
        Require(TensorBoardImageEvery is null or > 0, $"TensorBoard image interval must be positive, got {TensorBoardImageEvery}");
        Require(MaxSteps is null or > 0, $"max steps must be positive, got {MaxSteps}");
        Require(Threads is null or > 0, $"threads must be positive, got {Threads}");
        Require(MaskRatio is > 0 and < 1, $"mask ratio must be in (0, 1), got {MaskRatio}");
        Require(DropPath is >= 0 and < 1, $"drop path must be in [0, 1), got {DropPath}");
        PretrainMethods.Parse(Method);
        return this;
    }

    static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }

    /// <summary>
    /// Settings, by their config-file names, that a resumed run may change: where the data lives
    /// and how the run is executed and logged, not what it computes (precision is the user's explicit choice).
    /// </summary>
    public static readonly IReadOnlySet<string> ResumableSettings = new HashSet<string>
        { "dataset.path", "threads", "max-steps", "checkpoint-every", "precision", "tensorboard", "tensorboard-image-every" };

    /// <summary>
    /// Where <paramref name="other"/> differs from this config: each setting by its config-file name
    /// (dataset settings as <c>dataset.image-size</c> and so on), with both values as text.
    /// </summary>
    public IReadOnlyList<(string Name, string Value, string Other)> Differences(PretrainConfig other)
    {
        var found = new List<(string, string, string)>();
        Compare(JsonNode.Parse(ToJson()), JsonNode.Parse(other.ToJson()), "", found);
        return found;
    }

    /// <summary>The differences a resume of this run with <paramref name="requested"/> may not have: all but <see cref="ResumableSettings"/>.</summary>
    public IReadOnlyList<(string Name, string Value, string Other)> ResumeConflicts(PretrainConfig requested)
    {
        var conflicts = Differences(requested).Where(d => !ResumableSettings.Contains(d.Name)).ToList();
        // Another dataset kind brings its own defaults; the kind is the conflict, not each default.
        if (conflicts.Any(c => c.Name == "dataset.kind"))
            conflicts.RemoveAll(c => c.Name.StartsWith("dataset.", StringComparison.Ordinal) && c.Name != "dataset.kind");
        return conflicts;
    }

    static void Compare(JsonNode? a, JsonNode? b, string name, List<(string, string, string)> found)
    {
        if (a is JsonObject left && b is JsonObject right)
        {
            foreach (var key in left.Select(p => p.Key).Union(right.Select(p => p.Key)))
                Compare(left[key], right[key], name.Length == 0 ? key : $"{name}.{key}", found);
            return;
        }
        if (!JsonNode.DeepEquals(a, b)) found.Add((name, Text(a), Text(b)));
    }

    static string Text(JsonNode? node) => node switch
    {
        null => "none",
        JsonValue value when value.TryGetValue(out string? text) => text,
        _ => node.ToJsonString(),
    };

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The copy of its config that a pre-training keeps in its run folder.</summary>
    public const string FileInRun = "config.json";

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a config file; errors name the file and what is wrong.</summary>
    public static PretrainConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config file {path} does not exist");
        try
        {
            return JsonSerializer.Deserialize<PretrainConfig>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
    }

    public static PretrainConfig FromJson(string json) =>
        JsonSerializer.Deserialize<PretrainConfig>(json, Json) ?? throw new InvalidDataException("empty config");
}
