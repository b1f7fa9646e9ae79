using RandSac.IO;
using RandSac.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RandSac.Tests.IO;

/// <summary>Imported timm and MAE weights give timm's own features (golden files made by timm 0.9.16).</summary>
public sealed class TimmImportTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-5;

    static (ImportedEncoder Encoder, List<string> Notes) Import(string path, ImportOptions options)
    {
        var notes = new List<string>();
        return (ImportedEncoder.Load(path, options, notes.Add), notes);
    }

    double Compare(VisionTransformer encoder, Tensor images, Tensor expected, string what)
    {
        encoder.eval();
        using var noGrad = no_grad();
        using var features = encoder.Features(images);
        double difference = TimmFixtures.MaxDifference(features, expected);
        output.WriteLine($"{what}: max |RandSac - timm| = {difference:E2}");
        Assert.True(difference < Tolerance, $"{what}: {difference}");
        return difference;
    }

    [Fact]
    public void ATimmPthWithHeadsGivesTimmsClassTokenFeatures()
    {
        var outputs = TimmFixtures.Outputs("vit-cls-outputs.safetensors");
        var (imported, notes) = Import(TimmFixtures.File("vit-cls.pth"), new ImportOptions(Heads: 4));
        using (imported)
        {
            Assert.Equal("timm .pth", imported.Format);
            Assert.Equal(new ViTConfig(32, 2, 4, 4, 3, 16, 16, 4, ClassToken: true, Positions: PositionEmbedding.Learned, Pool: FeaturePool.ClassToken),
                imported.Config);
            Assert.Contains(notes, n => n.Contains("head.bias and head.weight"));
            Assert.Null(imported.Normalisation);
            using var encoder = imported.CreateEncoder(imported.Config);
            Compare(encoder, outputs["images"], outputs["token"], "timm .pth, class token");
        }
    }

    [Fact]
    public void ATimmFolderTakesHeadsPoolingAndNormalisationFromItsConfig()
    {
        var outputs = TimmFixtures.Outputs("vit-cls-outputs.safetensors");
        var (imported, _) = Import(TimmFixtures.File("vit-cls"), new ImportOptions());
        using (imported)
        {
            Assert.Equal("timm safetensors", imported.Format);
            Assert.Equal(4, imported.Config.Heads);
            Assert.Equal(FeaturePool.ClassToken, imported.Config.Pool);
            Assert.Equal([0.5f, 0.5f, 0.5f], imported.Normalisation!.Value.Mean);
            Assert.Equal([0.25f, 0.25f, 0.25f], imported.Normalisation!.Value.Std);
            using var encoder = imported.CreateEncoder(imported.Config);
            Compare(encoder, outputs["images"], outputs["token"], "timm safetensors, class token");
            using var averaging = imported.CreateEncoder(imported.Config with { Pool = FeaturePool.Mean });
            Compare(averaging, outputs["images"], outputs["avg"], "timm safetensors, patch mean");
        }
    }

    [Fact]
    public void AnMaeCheckpointPoolsPatchTokensAndKeepsItsDecoderApart()
    {
        var outputs = TimmFixtures.Outputs("vit-cls-outputs.safetensors");
        var (imported, _) = Import(TimmFixtures.File("mae-style.pth"), new ImportOptions(Heads: 4));
        using (imported)
        {
            Assert.Equal("MAE .pth", imported.Format);
            Assert.Equal(FeaturePool.Mean, imported.Config.Pool);
            Assert.Equal(new long[] { 16, 32 }, imported.Decoder["decoder_embed.weight"].shape);
            Assert.Contains("mask_token", imported.Decoder.Keys);
            Assert.Contains("decoder_blocks.0.attn.qkv.weight", imported.Decoder.Keys);
            Assert.DoesNotContain("decoder_pos_embed", imported.Decoder.Keys);
            Assert.DoesNotContain(imported.Encoder.Keys, k => k.StartsWith("decoder", StringComparison.Ordinal));
            using var encoder = imported.CreateEncoder(imported.Config);
            Compare(encoder, outputs["images"], outputs["avg"], "MAE-style .pth, patch mean");
        }
    }

    [Fact]
    public void AnotherImageSizeResamplesPositionsAsTimmDoes()
    {
        var outputs = TimmFixtures.Outputs("vit-cls-outputs.safetensors");
        var (imported, notes) = Import(TimmFixtures.File("vit-cls"), new ImportOptions(Pool: FeaturePool.Mean));
        using (imported)
        {
            using var encoder = imported.CreateEncoder(imported.Config with { ImageHeight = 24, ImageWidth = 24 });
            Assert.Contains(notes, n => n.Contains("resampled pos_embed from a 4x4 to a 6x6 token grid"));
            using var positions = encoder.TimmPositionEmbedding();
            double difference = TimmFixtures.MaxDifference(positions, outputs["pos_embed24"]);
            output.WriteLine($"resampled pos_embed: max |RandSac - timm| = {difference:E2}");
            Assert.True(difference < 1e-6, $"pos_embed: {difference}");
            Compare(encoder, outputs["images24"], outputs["avg24"], "24x24 inputs, resampled positions");
        }
    }

    [Fact]
    public void TimmsFeaturesOfARandSacExportEqualRandSacs()
    {
        var outputs = TimmFixtures.Outputs("randsac-export-outputs.safetensors");
        var (imported, _) = Import(TimmFixtures.File("randsac-export"), new ImportOptions());
        using (imported)
        {
            Assert.Equal(new ViTConfig(32, 2, 4, 4, 3, 16, 16, Positions: PositionEmbedding.Learned), imported.Config);
            using var encoder = imported.CreateEncoder(imported.Config);
            Compare(encoder, outputs["images"], outputs["features"], "RandSac export read by timm");
        }
    }
}
