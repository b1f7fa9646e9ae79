using System.Security.Cryptography;
using System.Text;
using RandSac.Data;
using RandSac.IO;
using RandSac.Models;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Un-augmented features kept on disk (<c>{folder}/features-{key}.safetensors</c>), so that the
/// linear probe (fast mode) and kNN of the same encoder on the same data compute them once.
/// The key hashes what determines the features: the encoder's identity (the checkpoint's
/// SHA-256, or the seed of a random initialisation, with its shape), the dataset spec, the
/// split, the dataset's name and size (which tell a subset from the whole) and its normalisation.
/// Each file carries checksums of its contents (<see cref="TensorChecksums"/>); one that is
/// damaged or cannot be read is recomputed and replaced, and the phase says so.
/// </summary>
public sealed class FeatureCache(string folder, string encoderIdentity)
{
    public string Folder { get; } = folder;

    public string PathFor(ImageDataset dataset, DatasetSpec spec, DataSplit split, ViTConfig config)
    {
        string description = string.Join("\n", encoderIdentity, config.ToString(), spec.ToString(), split, dataset.Name, dataset.Count,
            Numbers(dataset.Mean), Numbers(dataset.Std));
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description)))[..16];
        return Path.Combine(Folder, $"features-{split.ToString().ToLowerInvariant()}-{key}.safetensors");
    }

    static string Numbers(float[] values) => string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The cached features of <paramref name="dataset"/>, computed (and saved) when there are none.</summary>
    public FeatureSet Get(VisionTransformer encoder, ImageDataset dataset, DatasetSpec spec, DataSplit split, int batch,
        IEvaluationObserver? observer = null, string phase = "features", CancellationToken cancel = default)
    {
        string path = PathFor(dataset, spec, split, encoder.Config);
        if (TryLoad(path, dataset, out string? damage) is { } cached)
        {
            observer?.OnPhase($"{phase} (cached)", dataset.Count);
            observer?.OnProgress(dataset.Count);
            return cached;
        }
        if (damage is not null) phase += $" (recomputed: {damage})";
        var features = FeatureExtractor.Extract(encoder, dataset, batch, observer, phase, cancel);
        Save(path, features);
        return features;
    }

    /// <summary>The cached features, or null with <paramref name="damage"/> saying why a file that exists was not used.</summary>
    static FeatureSet? TryLoad(string path, ImageDataset dataset, out string? damage)
    {
        damage = null;
        if (!File.Exists(path)) return null;
        Dictionary<string, Tensor> tensors;
        try
        {
            Dictionary<string, string> metadata;
            (tensors, metadata) = Safetensors.Read(path);
            try
            {
                TensorChecksums.Verify(path, tensors, metadata);
            }
            catch
            {
                foreach (var t in tensors.Values) t.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            damage = e.Message;
            return null;
        }
        using var labels = tensors.GetValueOrDefault("labels");
        var features = tensors.GetValueOrDefault("features");
        // The key names the data; labels that differ mean the files changed under the same names.
        var values = labels?.dtype == ScalarType.Int64 ? labels.data<long>().Select(l => (int)l).ToArray() : null;
        if (features is null || values is null || !values.SequenceEqual(dataset.Labels))
        {
            features?.Dispose();
            return null;
        }
        return new FeatureSet(features, values, dataset.ClassNames);
    }

    static void Save(string path, FeatureSet features)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var labels = features.LabelTensor();
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            var metadata = new Dictionary<string, string> { ["format"] = "randsac-features" };
            List<KeyValuePair<string, Tensor>> tensors = [new("features", features.Features), new("labels", labels)];
            TensorChecksums.AddTo(metadata, tensors);
            Safetensors.Write(stream, tensors, metadata);
        }
        File.Move(temp, path, overwrite: true);
    }
}
