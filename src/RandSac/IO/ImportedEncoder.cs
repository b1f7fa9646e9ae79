using System.Globalization;
using System.Text.RegularExpressions;
using RandSac.Models;
using static TorchSharp.torch;

namespace RandSac.IO;

/// <summary>
/// A ViT encoder from someone else's weights: a timm or DeiT state dict (safetensors or .pth,
/// RandSac's own export included) or an MAE checkpoint (<c>{'model': …}</c>, whose decoder is
/// kept apart). The shape comes from the tensors (width, depth, patch, channels, MLP ratio, class
/// token, token grid); the head count from <see cref="ImportOptions.Heads"/>, a timm
/// <c>config.json</c> beside the weights or the export's metadata. A classifier <c>head</c> is
/// dropped with a note; any other key the ViT has no place for, a missing key or a wrong shape
/// is an <see cref="InvalidDataException"/> naming the key: never a partial load.
/// </summary>
public sealed partial class ImportedEncoder : IDisposable
{
    /// <summary>The safetensors metadata key under which a single-file export keeps its config.json.</summary>
    public const string ConfigMetadataKey = "timm_config";

    readonly Action<string> _note;

    ImportedEncoder(Action<string> note) => _note = note;

    public required string Path { get; init; }

    /// <summary>"timm safetensors", "timm .pth" or "MAE .pth".</summary>
    public required string Format { get; init; }

    /// <summary>The shape as stored (its image size from the position grid), with the pooling chosen.</summary>
    public required ViTConfig Config { get; init; }

    /// <summary>The encoder's tensors under <see cref="VisionTransformer"/>'s names.</summary>
    public required Dictionary<string, Tensor> Encoder { get; init; }

    /// <summary>An MAE decoder's tensors under <see cref="MaeModel"/>'s names (empty when there is none).</summary>
    public required Dictionary<string, Tensor> Decoder { get; init; }

    /// <summary>The mean and std a timm config says inputs are normalised with, if it says.</summary>
    public (float[] Mean, float[] Std)? Normalisation { get; init; }

    /// <summary>Loads and checks a weights file; <paramref name="note"/> hears what was dropped, assumed or resampled.</summary>
    public static ImportedEncoder Load(string path, ImportOptions options, Action<string> note)
    {
        string file = ResolveFile(path);
        var timmConfig = ReadConfigBeside(file);
        Dictionary<string, Tensor> tensors;
        string format;
        if (IsPickle(file))
        {
            (tensors, string wrapper) = PthFile.Read(file);
            format = wrapper == "model" || tensors.Keys.Any(IsMaeDecoderKey) ? "MAE .pth" : "timm .pth";
        }
        else
        {
            Dictionary<string, string> metadata;
            (tensors, metadata) = Safetensors.Read(file);
            if (metadata.GetValueOrDefault("format") == "randsac-checkpoint")
            {
                foreach (var t in tensors.Values) t.Dispose();
                throw new InvalidDataException($"{file}: a RandSac checkpoint, not an encoder state dict");
            }
            if (timmConfig is null && metadata.TryGetValue(ConfigMetadataKey, out var embedded))
                timmConfig = TimmConfig.Parse(embedded, $"{file} ({ConfigMetadataKey})");
            format = "timm safetensors";
        }
        try
        {
            return Build(file, format, tensors, timmConfig, options, note);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>A folder in timm's local layout means its <c>model.safetensors</c> (or <c>pytorch_model.bin</c>).</summary>
    static string ResolveFile(string path)
    {
        if (!Directory.Exists(path))
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} does not exist");
        foreach (var name in new[] { "model.safetensors", "pytorch_model.bin" })
        {
            string candidate = System.IO.Path.Combine(path, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidDataException($"{path}: a folder without model.safetensors, pytorch_model.bin or checkpoint.safetensors");
    }

    static TimmConfig? ReadConfigBeside(string file)
    {
        string config = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!, TimmConfig.FileName);
        return File.Exists(config) && TimmConfig.TryParseModelConfig(File.ReadAllText(config), config) is { } parsed ? parsed : null;
    }

    /// <summary>
    /// torch.save writes a zip archive (PK), safetensors starts with its header length; PyTorch's
    /// usual extensions go to the unpickler too, whose error then says what is wrong.
    /// </summary>
    static bool IsPickle(string file)
    {
        if (System.IO.Path.GetExtension(file).ToLowerInvariant() is ".pth" or ".pt" or ".bin" or ".ckpt") return true;
        using var stream = File.OpenRead(file);
        Span<byte> head = stackalloc byte[2];
        return stream.Read(head) == 2 && head[0] == (byte)'P' && head[1] == (byte)'K';
    }

    static bool IsMaeDecoderKey(string key) =>
        key == "mask_token" || key.StartsWith("decoder_", StringComparison.Ordinal);

    static ImportedEncoder Build(string file, string format, Dictionary<string, Tensor> tensors, TimmConfig? timmConfig,
        ImportOptions options, Action<string> note)
    {
        var encoder = new Dictionary<string, Tensor>();
        var decoder = new Dictionary<string, Tensor>();
        var dropped = new List<string>();
        foreach (var (key, tensor) in tensors)
        {
            if (key.StartsWith("head.", StringComparison.Ordinal))
            {
                dropped.Add(key);
                tensor.Dispose();
            }
            else if (key == "decoder_pos_embed")
            {
                tensor.Dispose(); // MAE's fixed sin-cos table, which the decoder rebuilds
            }
            else if (IsMaeDecoderKey(key)) decoder[key] = tensor;
            else encoder[key] = tensor;
        }
        if (dropped.Count > 0)
            note($"dropped the classifier {string.Join(" and ", dropped.Order(StringComparer.Ordinal))} (evaluation puts its own head on the features)");
        if (timmConfig is { FcNorm: true })
            throw new InvalidDataException($"{file}: its config.json asks for fc_norm (a norm after pooling), which RandSac's ViT does not have");

        var patch = Require(encoder, "patch_embed.proj.weight", file);
        if (patch.dim() != 4 || patch.shape[2] != patch.shape[3])
            throw new InvalidDataException($"{file}: patch_embed.proj.weight is [{Shape(patch)}], not (D, C, P, P)");
        int dim = (int)patch.shape[0], channels = (int)patch.shape[1], patchSize = (int)patch.shape[2];
        var blockIndices = encoder.Keys.Select(k => BlockKey().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();
        if (blockIndices.Count == 0) throw new InvalidDataException($"{file}: no blocks.0.* tensors: not a ViT state dict");
        int depth = blockIndices.Max() + 1;
        var fc1 = Require(encoder, "blocks.0.mlp.fc1.weight", file);
        if (fc1.shape[0] % dim != 0)
            throw new InvalidDataException($"{file}: blocks.0.mlp.fc1.weight is [{Shape(fc1)}]: an MLP ratio that is not a whole number");
        int mlpRatio = (int)(fc1.shape[0] / dim);
        bool classToken = encoder.ContainsKey("cls_token");
        var posEmbed = Require(encoder, "pos_embed", file);
        long tokens = posEmbed.shape[1] - (classToken ? 1 : 0);
        int side = (int)Math.Round(Math.Sqrt(tokens));
        if (posEmbed.dim() != 3 || side * side != tokens)
            throw new InvalidDataException($"{file}: pos_embed is [{Shape(posEmbed)}], not (1, {(classToken ? "1+" : "")}N, D) over a square grid");
        int heads = options.Heads ?? timmConfig?.Heads
            ?? throw new InvalidDataException($"{file}: the weights do not say how many attention heads the {dim}-wide ViT has; pass --heads");
        var pool = options.Pool ?? timmConfig?.Pool ?? (classToken && format != "MAE .pth" ? FeaturePool.ClassToken : FeaturePool.Mean);
        if (pool == FeaturePool.ClassToken && !classToken)
            throw new InvalidDataException($"{file}: class-token pooling asked for, but the weights have no cls_token");
        ViTConfig config;
        try
        {
            config = new ViTConfig(dim, depth, heads, patchSize, channels, side * patchSize, side * patchSize, mlpRatio,
                ClassToken: classToken, Positions: PositionEmbedding.Learned, Pool: pool).Validated();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}");
        }
        if (timmConfig?.Normalisation is { } norm && (norm.Mean.Length != channels || norm.Std.Length != channels))
            throw new InvalidDataException($"{file}: config.json's mean/std have {norm.Mean.Length}/{norm.Std.Length} values for {channels} channels");
        var imported = new ImportedEncoder(note)
        {
            Path = file, Format = format, Config = config, Encoder = encoder, Decoder = decoder,
            Normalisation = timmConfig?.Normalisation,
        };
        using (var check = imported.CreateEncoder(config)) { } // fails now, naming the key, rather than at first use
        return imported;
    }

    [GeneratedRegex(@"^blocks\.(\d+)\.")]
    private static partial Regex BlockKey();

    static Tensor Require(Dictionary<string, Tensor> tensors, string key, string file) =>
        tensors.GetValueOrDefault(key) ?? throw new InvalidDataException($"{file}: no tensor '{key}': not a ViT state dict");

    static string Shape(Tensor t) => string.Join(", ", t.shape);

    /// <summary>
    /// A new encoder of <paramref name="target"/>'s shape (the stored one, or another image size or
    /// drop-path rate) with these weights, loaded strictly; positions on another grid are resampled
    /// (bicubic, as timm), with a note.
    /// </summary>
    public VisionTransformer CreateEncoder(ViTConfig target)
    {
        target = target with { ClassToken = Config.ClassToken, Positions = PositionEmbedding.Learned };
        if (target.Channels != Config.Channels)
            throw new InvalidDataException($"{Path}: patch_embed.proj.weight takes {Config.Channels} channels, the data has {target.Channels}");
        var state = new Dictionary<string, Tensor>(Encoder);
        Tensor? resampled = null;
        var (from, to) = (Config.Grid, target.Grid);
        if (from.Rows != to.Rows || from.Cols != to.Cols)
        {
            resampled = PositionResampling.Resample(Encoder["pos_embed"], Config.PrefixTokens, (from.Rows, from.Cols), (to.Rows, to.Cols));
            state["pos_embed"] = resampled;
            _note($"resampled pos_embed from a {from.Rows}x{from.Cols} to a {to.Rows}x{to.Cols} token grid (bicubic, as timm's resample_abs_pos_embed)");
        }
        var encoder = new VisionTransformer(target);
        try
        {
            LoadStrictly(encoder, state, Path, $"a {target.Dim}/{target.Depth}/{target.Heads} ViT with patch {target.PatchSize}");
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
        finally
        {
            resampled?.Dispose();
        }
    }

    /// <summary>Every key of the module present with its shape, nothing else; else one line naming the key.</summary>
    public static void LoadStrictly(TorchSharp.torch.nn.Module module, IReadOnlyDictionary<string, Tensor> state, string source, string what)
    {
        var expected = module.state_dict();
        foreach (var (name, tensor) in expected)
        {
            if (!state.TryGetValue(name, out var given))
                throw new InvalidDataException($"{source}: no tensor '{name}', which {what} needs");
            if (!given.shape.SequenceEqual(tensor.shape))
                throw new InvalidDataException($"{source}: '{name}' is [{Shape(given)}] but {what} needs [{Shape(tensor)}]");
        }
        if (state.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).FirstOrDefault() is { } extra)
            throw new InvalidDataException($"{source}: unknown key '{extra}': {what} has no place for it");
        using (no_grad())
            foreach (var (name, tensor) in expected)
                tensor.copy_(state[name]);
    }

    public void Dispose()
    {
        foreach (var t in Encoder.Values.Concat(Decoder.Values)) t.Dispose();
    }
}

/// <summary>What an import cannot read from the weights: the head count and, to override the format's default, the pooling.</summary>
public sealed record ImportOptions(int? Heads = null, FeaturePool? Pool = null);
