using RandSac.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.IO;

/// <summary>
/// Writes a checkpoint's encoder as a timm <c>VisionTransformer</c> state dict
/// (<c>class_token=False, global_pool='avg'</c>): the encoder's tensors without the
/// <c>model.encoder.</c> prefix, plus the fixed sin-cos table as timm's (1, N, D) <c>pos_embed</c>.
/// Load it in Python with <c>safetensors.torch.load_file</c> and
/// <c>model.load_state_dict(state, strict=False)</c> (timm's head stays as initialised).
/// </summary>
public static class TimmExport
{
    public const string EncoderPrefix = "encoder.";

    /// <summary>The exported tensors (new tensors the caller owns), sorted by name.</summary>
    public static List<KeyValuePair<string, Tensor>> EncoderState(Checkpoint checkpoint, int channels)
    {
        var config = checkpoint.Config;
        var vit = ViTConfig.Preset(config.Model, config.Patch, channels, config.Dataset.ImageSize);
        var state = checkpoint.Model
            .Where(p => p.Key.StartsWith(EncoderPrefix, StringComparison.Ordinal))
            .Select(p => new KeyValuePair<string, Tensor>(p.Key[EncoderPrefix.Length..], p.Value.clone()))
            .ToList();
        if (state.Count == 0) throw new InvalidDataException("the checkpoint holds no encoder tensors");
        var grid = vit.Grid;
        state.Add(new("pos_embed", Tokens.SinCosPositions.Create(vit.Dim, grid.Rows, grid.Cols).unsqueeze(0)));
        state.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return state;
    }

    public static void Write(Checkpoint checkpoint, int channels, string path)
    {
        var state = EncoderState(checkpoint, channels);
        try
        {
            string full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            string temp = full + ".tmp";
            using (var stream = File.Create(temp))
                Safetensors.Write(stream, state, new Dictionary<string, string>
                {
                    ["format"] = "pt",
                    ["timm_model"] = $"vit ({checkpoint.Config.Model}), class_token=False, global_pool='avg', patch {checkpoint.Config.Patch}, img {checkpoint.Config.Dataset.ImageSize}",
                });
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            foreach (var (_, tensor) in state) tensor.Dispose();
        }
    }
}
