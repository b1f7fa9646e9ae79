using RandSac.IO;
using RandSac.Models;
using RandSac.Tokens;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// Weights a new pre-training run starts from (<c>pretrain --init</c>): the encoder of a RandSac
/// checkpoint, or an imported timm/DeiT/MAE encoder, and with <c>--method mae</c> an MAE
/// checkpoint's decoder too. Pre-training keeps RandSAC's fixed sin-cos positions and has no
/// class token, so an imported <c>pos_embed</c> and <c>cls_token</c> are left out, with a note
/// saying how far the positions were from the sin-cos table. Everything else loads strictly.
/// </summary>
public static class InitialWeights
{
    public static void Apply(Pretrainer model, string path, Action<string> note)
    {
        string file = WeightsFile.Resolve(path);
        if (WeightsFile.IsRandSacCheckpoint(file))
        {
            using var checkpoint = Checkpoint.Load(file);
            var encoder = checkpoint.Model.Where(p => p.Key.StartsWith("encoder.", StringComparison.Ordinal))
                .ToDictionary(p => p.Key["encoder.".Length..], p => p.Value);
            ImportedEncoder.LoadStrictly(model.Encoder, encoder, file, "the pre-training encoder");
            note($"initialised the encoder from {file} (step {checkpoint.Step})");
            return;
        }
        var target = model.Encoder.Config;
        using var imported = ImportedEncoder.Load(file, new ImportOptions(Heads: target.Heads), note);
        var state = imported.Encoder.Where(p => p.Key is not ("pos_embed" or "cls_token"))
            .ToDictionary(p => p.Key, p => p.Value);
        ImportedEncoder.LoadStrictly(model.Encoder, state, file, $"the {target.Dim}/{target.Depth}/{target.Heads} pre-training encoder");
        if (imported.Config.ClassToken) note("left out cls_token: pre-training uses no class token");
        using (var positions = imported.Encoder["pos_embed"][0, TensorIndex.Slice(imported.Config.PrefixTokens)])
        using (var sinCos = SinCosPositions.Create(imported.Config.Dim, imported.Config.Grid.Rows, imported.Config.Grid.Cols))
            note($"left out pos_embed: pre-training keeps its fixed sin-cos positions (the file's differ from them by at most {(positions - sinCos).abs().max().item<float>():G3})");
        if (imported.Decoder.Count > 0)
        {
            if (model is MaeModel)
            {
                var full = model.state_dict().Where(p => p.Key.StartsWith("encoder.", StringComparison.Ordinal))
                    .ToDictionary(p => p.Key, p => p.Value);
                foreach (var (key, tensor) in imported.Decoder) full[key] = tensor;
                ImportedEncoder.LoadStrictly(model, full, file, "the MAE model");
                note($"initialised MAE's decoder from {file} ({imported.Decoder.Count} tensors)");
            }
            else note($"left out the file's MAE decoder ({imported.Decoder.Count} tensors): the {model.Method.Name()} decoder starts afresh");
        }
        note($"initialised the encoder from {imported.Format} {file}");
    }
}
