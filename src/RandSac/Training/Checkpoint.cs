using System.Globalization;
using RandSac.Data;
using RandSac.IO;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// A pre-training checkpoint: one safetensors file holding the model (<c>model.*</c>, with
/// timm-style names, so <c>model.encoder.*</c> is a ViT for PyTorch), the optimiser's moments
/// (<c>optimizer.*</c>), torch's generator state, and in its metadata the full config, the
/// schedule position and the mean/std the training data was normalised with. Written to a
/// temporary file and renamed over the old one, so a crash at any moment leaves the last good
/// checkpoint readable. The metadata carries checksums of every tensor and entry, and loading
/// verifies them and the rest of <see cref="CheckpointIntegrity"/> before any tensor is used.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    public const string FileName = "checkpoint.safetensors";
    const string FormatVersion = CheckpointIntegrity.ChecksummedVersion;

    public required PretrainConfig Config { get; init; }

    /// <summary>Optimiser steps completed.</summary>
    public required long Step { get; init; }

    /// <summary>Micro-batches consumed (Step × Accumulation): where the data stream resumes.</summary>
    public required long MicroBatches { get; init; }

    public required Dictionary<string, Tensor> Model { get; init; }
    public required Dictionary<string, Tensor> Optimizer { get; init; }
    public Tensor? TorchRngState { get; init; }

    /// <summary>The training data's normalisation; null in checkpoints written before it was recorded.</summary>
    public Normalisation? Normalisation { get; init; }

    /// <summary>Set when the file could not be verified (written before checkpoints carried checksums).</summary>
    public string? IntegrityWarning { get; init; }

    public static string PathIn(string folder) => System.IO.Path.Combine(folder, FileName);

    /// <summary>Saves atomically. <paramref name="beforeRename"/> lets tests simulate a crash mid-write.</summary>
    public static void Save(string path, PretrainConfig config, long step, long microBatches,
        IEnumerable<KeyValuePair<string, Tensor>> model, IEnumerable<KeyValuePair<string, Tensor>> optimizer,
        Tensor? torchRngState, Action<string>? beforeRename = null, Normalisation? normalisation = null)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        tensors.AddRange(model.Select(p => new KeyValuePair<string, Tensor>("model." + p.Key, p.Value)));
        tensors.AddRange(optimizer.Select(p => new KeyValuePair<string, Tensor>("optimizer." + p.Key, p.Value)));
        if (torchRngState is not null) tensors.Add(new("rng.torch", torchRngState));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "randsac-checkpoint",
            ["version"] = FormatVersion,
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["micro_batches"] = microBatches.ToString(CultureInfo.InvariantCulture),
            ["config"] = config.ToJson(),
        };
        if (normalisation is not null) metadata["normalisation"] = normalisation.ToJson();
        CheckpointIntegrity.Seal(metadata, tensors);

        string full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Safetensors.Write(stream, tensors, metadata);
            stream.Flush(flushToDisk: true);
        }
        beforeRename?.Invoke(temp);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// Loads and verifies a checkpoint. Damage, a model that does not fit the config, or
    /// non-finite values fail with an <see cref="InvalidDataException"/> naming the file and the entry.
    /// </summary>
    public static Checkpoint Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint {path} does not exist");
        var (tensors, metadata) = Safetensors.Read(path);
        try
        {
            if (!metadata.TryGetValue("format", out var format) || format != "randsac-checkpoint")
                throw new InvalidDataException($"{path}: not a RandSac checkpoint");
            string? warning = CheckpointIntegrity.VerifyChecksums(path, tensors, metadata);
            var config = ConfigOf(path, metadata);
            Dictionary<string, Tensor> WithPrefix(string prefix) => tensors
                .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
            var model = WithPrefix("model.");
            var optimizer = WithPrefix("optimizer.");
            var rng = tensors.GetValueOrDefault("rng.torch");
            CheckpointIntegrity.RequireSound(path, config, model, optimizer, rng);
            long step = CountOf(path, metadata, "step"), microBatches = CountOf(path, metadata, "micro_batches");
            return new Checkpoint
            {
                Config = config,
                Step = step,
                MicroBatches = microBatches,
                Model = model,
                Optimizer = optimizer,
                TorchRngState = rng,
                Normalisation = NormalisationOf(path, metadata),
                IntegrityWarning = warning,
            };
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>The step a checkpoint file records, read from its header alone; null when it has none.</summary>
    public static long? StepIn(string path) =>
        File.Exists(path) && Safetensors.TryReadMetadata(path)?.GetValueOrDefault("step") is { } text
                          && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long step)
            ? step
            : null;

    static PretrainConfig ConfigOf(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("config", out var json)) throw new InvalidDataException($"{path}: metadata 'config' is missing");
        try
        {
            return PretrainConfig.FromJson(json);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}: metadata 'config' is not a valid config ({e.Message})");
        }
    }

    static Normalisation? NormalisationOf(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("normalisation", out var json)) return null;
        try
        {
            return Normalisation.FromJson(json);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: metadata 'normalisation' is not valid ({e.Message})");
        }
    }

    static long CountOf(string path, IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var text)) throw new InvalidDataException($"{path}: metadata '{key}' is missing");
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new InvalidDataException($"{path}: metadata '{key}' is '{text}', not a count");
        return value;
    }

    public void Dispose()
    {
        foreach (var t in Model.Values.Concat(Optimizer.Values)) t.Dispose();
        TorchRngState?.Dispose();
    }
}
