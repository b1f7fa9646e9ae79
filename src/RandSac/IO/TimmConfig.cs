using System.Text.Json;
using System.Text.Json.Nodes;
using RandSac.Models;

namespace RandSac.IO;

/// <summary>
/// timm's <c>config.json</c> of a local model folder: <c>architecture</c>, <c>num_classes</c>,
/// <c>model_args</c> (the <c>VisionTransformer</c> arguments) and <c>pretrained_cfg</c> (input
/// size, the mean and std inputs are normalised with, interpolation). Written by the export, read
/// by the import for what the weights alone do not say (heads, pooling, normalisation).
/// </summary>
public sealed record TimmConfig(JsonObject Json)
{
    public const string FileName = "config.json";

    /// <summary>
    /// A registered timm ViT whose entry point passes its keyword arguments on: timm builds
    /// <c>architecture</c> with <c>model_args</c>, and those override every default of that name.
    /// </summary>
    public const string Architecture = "vit_tiny_patch16_224";

    /// <summary>The config of a RandSAC-style encoder (no class token, mean pooling, no fc_norm, no head).</summary>
    public static TimmConfig For(ViTConfig vit, float[] mean, float[] std)
    {
        var json = new JsonObject
        {
            ["architecture"] = Architecture,
            ["num_classes"] = 0,
            ["model_args"] = new JsonObject
            {
                ["img_size"] = vit.ImageHeight,
                ["patch_size"] = vit.PatchSize,
                ["in_chans"] = vit.Channels,
                ["embed_dim"] = vit.Dim,
                ["depth"] = vit.Depth,
                ["num_heads"] = vit.Heads,
                ["mlp_ratio"] = (double)vit.MlpRatio,
                ["qkv_bias"] = true,
                ["class_token"] = vit.ClassToken,
                ["global_pool"] = vit.Pool == FeaturePool.ClassToken ? "token" : "avg",
                ["fc_norm"] = false,
            },
            ["pretrained_cfg"] = new JsonObject
            {
                ["input_size"] = new JsonArray(vit.Channels, vit.ImageHeight, vit.ImageWidth),
                ["mean"] = new JsonArray(mean.Select(m => JsonValue.Create((double)m)).ToArray<JsonNode?>()),
                ["std"] = new JsonArray(std.Select(s => JsonValue.Create((double)s)).ToArray<JsonNode?>()),
                ["interpolation"] = "bicubic",
                ["num_classes"] = 0,
            },
        };
        return new TimmConfig(json);
    }

    public static TimmConfig Parse(string text, string source)
    {
        try
        {
            return new TimmConfig(JsonNode.Parse(text) as JsonObject
                ?? throw new InvalidDataException($"{source}: not a JSON object"));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}");
        }
    }

    /// <summary>A config.json that describes a model (has model_args), or null for an unrelated one.</summary>
    public static TimmConfig? TryParseModelConfig(string text, string source)
    {
        var config = Parse(text, source);
        return config.ModelArgs is null ? null : config;
    }

    public string ToJson() => Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    JsonObject? ModelArgs => Json["model_args"] as JsonObject;

    public int? Heads => ModelArgs?["num_heads"]?.GetValue<int>();

    /// <summary>The pooling the config asks for, or null when it does not say.</summary>
    public FeaturePool? Pool => ModelArgs?["global_pool"]?.GetValue<string>() switch
    {
        "token" => FeaturePool.ClassToken,
        "avg" => FeaturePool.Mean,
        null => null,
        var other => throw new InvalidDataException($"global_pool '{other}' is not supported (avg or token)"),
    };

    /// <summary>fc_norm as timm resolves it: unset means on with average pooling.</summary>
    public bool FcNorm => ModelArgs?["fc_norm"]?.GetValue<bool?>() ?? Pool == FeaturePool.Mean && ModelArgs?["global_pool"] is not null;

    /// <summary>pretrained_cfg's mean and std, when both are there.</summary>
    public (float[] Mean, float[] Std)? Normalisation =>
        Json["pretrained_cfg"] is JsonObject cfg && cfg["mean"] is JsonArray mean && cfg["std"] is JsonArray std
            ? (mean.Select(v => (float)v!.GetValue<double>()).ToArray(), std.Select(v => (float)v!.GetValue<double>()).ToArray())
            : null;
}
