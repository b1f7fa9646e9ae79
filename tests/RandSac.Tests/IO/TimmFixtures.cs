using RandSac.IO;
using static TorchSharp.torch;

namespace RandSac.Tests.IO;

/// <summary>
/// The golden files timm made (tests/fixtures-src/timm/make_timm_fixtures.py): a tiny timm ViT
/// (32/2/4, patch 4, 16×16, class token, learned pos_embed, random weights) as .pth (with a
/// 10-class head), as safetensors with timm's config.json, as an MAE-style {'model': …} .pth with
/// a decoder, timm's pooled outputs for fixed inputs, and timm's outputs for a RandSac export.
/// </summary>
public static class TimmFixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "timm");

    public static string File(params string[] parts) => Path.Combine([Folder, .. parts]);

    /// <summary>A copy of a fixture file or folder in <paramref name="target"/>, so results written beside it stay out of the build output.</summary>
    public static string CopyTo(string target, string name)
    {
        string source = File(name), destination = Path.Combine(target, name);
        if (Directory.Exists(source))
        {
            Directory.CreateDirectory(destination);
            foreach (var file in Directory.GetFiles(source)) System.IO.File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }
        else System.IO.File.Copy(source, destination);
        return destination;
    }

    public static Dictionary<string, Tensor> Outputs(string name) => Safetensors.Read(File(name)).Tensors;

    public static double MaxDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        return (a - b).abs().max().item<float>();
    }
}
