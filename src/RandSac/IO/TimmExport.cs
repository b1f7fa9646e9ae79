using System.Globalization;
using System.Text;
using System.Text.Json;
using RandSac.Models;
using static TorchSharp.torch;

namespace RandSac.IO;

/// <summary>
/// Writes an encoder as a timm <c>VisionTransformer</c> state dict: its tensors under timm's names
/// plus <c>pos_embed</c> (1, [1+]N, D). For RandSAC's encoder that is
/// <c>VisionTransformer(class_token=False, global_pool='avg', fc_norm=False, num_classes=0, …)</c>,
/// which loads it with <c>load_state_dict(state, strict=True)</c> and then computes RandSac's features.
/// A folder export is timm's local-folder layout (<c>model.safetensors</c>, <c>config.json</c>)
/// plus a model card (<c>README.md</c>); a single-file export keeps config.json in its metadata.
/// </summary>
public static class TimmExport
{
    public const string WeightsFileName = "model.safetensors";
    public const string CardFileName = "README.md";

    /// <summary>The exported tensors (new tensors the caller owns), sorted by name.</summary>
    public static List<KeyValuePair<string, Tensor>> EncoderState(VisionTransformer encoder)
    {
        var state = encoder.state_dict()
            .Select(p => new KeyValuePair<string, Tensor>(p.Key, p.Value.detach().cpu().clone()))
            .ToList();
        if (!state.Any(p => p.Key == "pos_embed")) state.Add(new("pos_embed", encoder.TimmPositionEmbedding()));
        state.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return state;
    }

    /// <summary>Writes <c>model.safetensors</c>, <c>config.json</c> and <c>README.md</c> into a new folder.</summary>
    public static void WriteFolder(VisionTransformer encoder, ExportCard card, string folder)
    {
        string full = Path.GetFullPath(folder);
        if (Directory.Exists(full) || File.Exists(full)) throw new IOException($"{full} already exists");
        string temp = full + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        var config = TimmConfig.For(encoder.Config, card.Mean, card.Std);
        WriteWeights(encoder, config, card, Path.Combine(temp, WeightsFileName));
        File.WriteAllText(Path.Combine(temp, TimmConfig.FileName), config.ToJson() + "\n");
        File.WriteAllText(Path.Combine(temp, CardFileName), card.Markdown(encoder.Config));
        Directory.Move(temp, full);
    }

    /// <summary>Writes one safetensors file whose metadata holds config.json and the card's facts.</summary>
    public static void WriteFile(VisionTransformer encoder, ExportCard card, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        WriteWeights(encoder, TimmConfig.For(encoder.Config, card.Mean, card.Std), card, temp);
        File.Move(temp, full);
    }

    static void WriteWeights(VisionTransformer encoder, TimmConfig config, ExportCard card, string path)
    {
        var state = EncoderState(encoder);
        try
        {
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "pt",
                [ImportedEncoder.ConfigMetadataKey] = config.Json.ToJsonString(),
                ["timm_model"] = TimmRecipe(encoder.Config),
                ["source_checkpoint_sha256"] = card.CheckpointSha256,
            };
            using var stream = File.Create(path);
            Safetensors.Write(stream, state, metadata);
        }
        finally
        {
            foreach (var (_, tensor) in state) tensor.Dispose();
        }
    }

    /// <summary>The Python line that builds the matching timm model.</summary>
    public static string TimmRecipe(ViTConfig vit) =>
        $"VisionTransformer(img_size={vit.ImageHeight}, patch_size={vit.PatchSize}, in_chans={vit.Channels}, " +
        $"embed_dim={vit.Dim}, depth={vit.Depth}, num_heads={vit.Heads}, mlp_ratio={vit.MlpRatio}, qkv_bias=True, " +
        $"class_token={(vit.ClassToken ? "True" : "False")}, global_pool='{(vit.Pool == FeaturePool.ClassToken ? "token" : "avg")}', " +
        "fc_norm=False, num_classes=0)";
}

/// <summary>What the model card says about where the weights come from.</summary>
/// <param name="Mean">Per-channel mean the training data was normalised with (in [0, 1] units).</param>
/// <param name="Std">Per-channel std the training data was normalised with.</param>
/// <param name="Evaluations">The evaluation records (JSON files) found next to the checkpoint.</param>
public sealed record ExportCard(string Dataset, string Method, int Epochs, long Step, int Seed, string CheckpointSha256,
    float[] Mean, float[] Std, IReadOnlyList<string> Evaluations)
{
    /// <summary>The evaluation records of this checkpoint in <paramref name="folder"/> (others' and unreadable files are skipped).</summary>
    public static List<string> FindEvaluations(string folder, string checkpointSha256)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(file));
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("checkpoint-sha256", out var sha)
                    || sha.GetString() != checkpointSha256 || !root.TryGetProperty("top1", out var top1)) continue;
                bool random = root.TryGetProperty("random-init", out var r) && r.GetBoolean();
                string command = root.GetProperty("command").GetString() ?? "?";
                string accuracy = string.Create(CultureInfo.InvariantCulture,
                    $"top-1 {top1.GetDouble() * 100:F2} %, top-5 {root.GetProperty("top5").GetDouble() * 100:F2} %");
                found.Add($"{command}{(random ? " (random-init baseline)" : "")}: {accuracy} " +
                          $"({root.GetProperty("train-images").GetInt32()} train / {root.GetProperty("test-images").GetInt32()} test images; {Path.GetFileName(file)})");
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // Not an evaluation record.
            }
        }
        return found;
    }

    public string Markdown(ViTConfig vit)
    {
        string Numbers(float[] values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# RandSac {Method} ViT encoder ({vit.Dim}/{vit.Depth}/{vit.Heads}, patch {vit.PatchSize}, {vit.ImageHeight}x{vit.ImageWidth})");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Pre-training: {Method} on {Dataset}, {Epochs} epoch(s) planned, checkpoint at step {Step}, seed {Seed}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Checkpoint SHA-256: `{CheckpointSha256}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Inputs: {vit.Channels}x{vit.ImageHeight}x{vit.ImageWidth}, pixels in [0, 1] normalised with mean [{Numbers(Mean)}] and std [{Numbers(Std)}]");
        text.AppendLine("- Features: the final LayerNorm over all patch tokens, averaged (no class token, no head)");
        text.AppendLine();
        text.AppendLine("## Evaluation");
        text.AppendLine();
        if (Evaluations.Count == 0) text.AppendLine("No evaluation records were found next to the checkpoint.");
        foreach (var line in Evaluations) text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        text.AppendLine();
        text.AppendLine("## Loading with timm");
        text.AppendLine();
        text.AppendLine("```python");
        text.AppendLine("import json, timm.models.vision_transformer as vit");
        text.AppendLine("from safetensors.torch import load_file");
        text.AppendLine("config = json.load(open('config.json'))");
        text.AppendLine("model = vit.VisionTransformer(**config['model_args'], num_classes=config['num_classes'])");
        text.AppendLine("model.load_state_dict(load_file('model.safetensors'), strict=True)");
        text.AppendLine("features = model(images)  # images normalised with pretrained_cfg's mean and std");
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"The same model by hand: `{TimmExport.TimmRecipe(vit)}`. With timm 1.0 or later, `timm.create_model('local-dir:PATH', pretrained=True)` reads this folder.");
        return text.ToString();
    }
}
