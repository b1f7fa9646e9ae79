using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using RandSac.Data;
using RandSac.IO;
using RandSac.Models;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// What a RandSac checkpoint must show before any of its tensors reaches LibTorch: that its
/// bytes, header and metadata are what was written (checksums), that its tensors have the
/// names, dtypes and shapes its own config's model needs, that every weight and moment is
/// finite, and that torch's generator state has the size and type LibTorch expects (LibTorch
/// aborts the process on a bad one rather than throwing). Each failure is one
/// <see cref="InvalidDataException"/> naming the file and the entry.
/// </summary>
internal static class CheckpointIntegrity
{
    /// <summary>The format version of checkpoints that carry checksums.</summary>
    public const string ChecksummedVersion = "2";

    /// <summary>Checkpoints written before checksums existed; they load with a warning.</summary>
    const string UncheckedVersion = "1";

    /// <summary>Adds the checksums of the tensors and of the other metadata entries (just before writing).</summary>
    public static void Seal(Dictionary<string, string> metadata, IEnumerable<KeyValuePair<string, Tensor>> tensors) =>
        TensorChecksums.AddTo(metadata, tensors);

    /// <summary>
    /// Verifies the checksums; a version-1 checkpoint, which has none, passes with the returned
    /// warning, and anything else without them fails.
    /// </summary>
    public static string? VerifyChecksums(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        if (TensorChecksums.Present(metadata))
        {
            TensorChecksums.Verify(path, tensors, metadata);
            return null;
        }
        string version = metadata.GetValueOrDefault("version") ?? "(none)";
        if (version != UncheckedVersion)
            throw new InvalidDataException($"{path}: a version-{version} checkpoint without its checksum table (the metadata is damaged)");
        return $"{path} was written before checkpoints carried checksums; damage to it cannot be detected";
    }

    /// <summary>
    /// Checks the model and optimiser tensors against the model <paramref name="config"/> describes,
    /// their values for NaN and infinity, and the generator state.
    /// </summary>
    public static void RequireSound(string path, PretrainConfig config, IReadOnlyDictionary<string, Tensor> model,
        IReadOnlyDictionary<string, Tensor> optimizer, Tensor? torchRngState)
    {
        RequireMatchesConfig(path, config, model, optimizer);
        foreach (var (name, tensor) in model.Select(p => ("model." + p.Key, p.Value)).Concat(optimizer.Select(p => ("optimizer." + p.Key, p.Value))))
            if (tensor.is_floating_point() && !AllFinite(tensor))
                throw new InvalidDataException($"{path}: tensor '{name}' holds NaN or infinite values; the checkpoint cannot be used");
        if (torchRngState is not null) RequireGeneratorState(path, torchRngState);
    }

    /// <summary>
    /// Whether every value is finite. Float32 (what checkpoints hold) is scanned in place, where an
    /// exponent of all ones means NaN or infinity (on a busy 2-core machine, even a scalar scan of
    /// a 1.1 GB ViT-B checkpoint took 0.8 s, LibTorch's isfinite().all() 14 s).
    /// </summary>
    static bool AllFinite(Tensor tensor)
    {
        if (tensor.dtype != ScalarType.Float32)
        {
            using var scope = NewDisposeScope();
            return isfinite(tensor).all().item<bool>();
        }
        if (tensor.numel() == 0) return true;
        var bits = MemoryMarshal.Cast<byte, uint>(tensor.bytes);
        var exponent = new Vector<uint>(FloatExponent);
        int i = 0;
        for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            if (Vector.EqualsAny(new Vector<uint>(bits[i..]) & exponent, exponent)) return false;
        for (; i < bits.Length; i++)
            if ((bits[i] & FloatExponent) == FloatExponent) return false;
        return true;
    }

    const uint FloatExponent = 0x7F800000u;

    static void RequireMatchesConfig(string path, PretrainConfig config, IReadOnlyDictionary<string, Tensor> model,
        IReadOnlyDictionary<string, Tensor> optimizer)
    {
        string what = $"its config's {config.Method} {config.Model} model (patch {config.Patch}, {config.Dataset.ImageSize}px)";
        // Channels are not part of the config; the patch embedding says how many the model was built for.
        int channels = model.TryGetValue("encoder.patch_embed.proj.weight", out var embed) && embed.dim() == 4 ? (int)embed.shape[1] : 3;
        using var expected = Build(path, config, channels);
        var parameters = expected.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, like) in expected.state_dict())
        {
            if (!model.TryGetValue(name, out var saved))
                throw new InvalidDataException($"{path}: tensor 'model.{name}' of {what} is missing");
            RequireLike(path, "model." + name, saved, like, what);
        }
        var names = expected.state_dict().Keys.ToHashSet();
        if (model.Keys.FirstOrDefault(name => !names.Contains(name)) is { } extra)
            throw new InvalidDataException($"{path}: tensor 'model.{extra}' has no place in {what}");
        foreach (var (name, parameter) in parameters)
            foreach (string moment in new[] { "exp_avg.", "exp_avg_sq." })
            {
                if (!optimizer.TryGetValue(moment + name, out var saved))
                    throw new InvalidDataException($"{path}: tensor 'optimizer.{moment}{name}' is missing");
                RequireLike(path, $"optimizer.{moment}{name}", saved, parameter, what);
            }
        if (optimizer.Keys.FirstOrDefault(key => !(key.StartsWith("exp_avg.", StringComparison.Ordinal) && parameters.ContainsKey(key["exp_avg.".Length..]))
                                                && !(key.StartsWith("exp_avg_sq.", StringComparison.Ordinal) && parameters.ContainsKey(key["exp_avg_sq.".Length..]))) is { } stray)
            throw new InvalidDataException($"{path}: tensor 'optimizer.{stray}' has no place in {what}");
    }

    static void RequireLike(string path, string name, Tensor saved, Tensor like, string what)
    {
        if (saved.dtype != like.dtype)
            throw new InvalidDataException($"{path}: tensor '{name}' is {Safetensors.DtypeName(saved.dtype)}, but {what} needs {Safetensors.DtypeName(like.dtype)}");
        if (!saved.shape.SequenceEqual(like.shape))
            throw new InvalidDataException($"{path}: tensor '{name}' is {Shape(saved)} in the checkpoint, but {what} needs {Shape(like)}");
    }

    /// <summary>A model of the config's shape, built without disturbing torch's generator.</summary>
    static Pretrainer Build(string path, PretrainConfig config, int channels)
    {
        using var generator = get_rng_state();
        try
        {
            using var _ = no_grad();
            return PretrainerFactory.Create(config.ModelOptions(channels, config.Dataset.ImageSize));
        }
        catch (Exception e) when (e is ArgumentException or DataException)
        {
            throw new InvalidDataException($"{path}: metadata 'config' describes no model: {e.Message}");
        }
        finally
        {
            set_rng_state(generator);
        }
    }

    static void RequireGeneratorState(string path, Tensor state)
    {
        using var current = get_rng_state();
        if (state.dtype != current.dtype || !state.shape.SequenceEqual(current.shape))
            throw new InvalidDataException(
                $"{path}: tensor 'rng.torch' is {Safetensors.DtypeName(state.dtype)} {Shape(state)}, but torch's generator state is " +
                $"{Safetensors.DtypeName(current.dtype)} {Shape(current)}");
        // The state starts with LibTorch's CPUGeneratorImplStateLegacy: initial seed (u64), left (i32),
        // seeded (i32), next (u64), then the Mersenne Twister words. set_state aborts unless the
        // twister is seeded, 1 ≤ left ≤ 624 and next ≤ 624.
        var bytes = state.bytes;
        int left = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]), seeded = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        ulong next = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        if (seeded == 0 || left is < 1 or > MersenneStateWords || next > MersenneStateWords)
            throw new InvalidDataException(
                $"{path}: tensor 'rng.torch' is not a valid generator state (seeded {seeded}, left {left}, next {next}; " +
                $"LibTorch needs a seeded state with left in 1..{MersenneStateWords} and next at most {MersenneStateWords})");
    }

    const int MersenneStateWords = 624;

    static string Shape(Tensor tensor) => $"[{string.Join(", ", tensor.shape)}]";
}
