using System.Text.Json;
using RandSac.IO;
using RandSac.Tests.IO;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Cli;

/// <summary>Imported weights through the command line: evaluation, embed, pretrain --init, and the one-line errors.</summary>
public sealed class ImportCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static readonly string[] TinyData = ["--image-size", "16", "--synthetic-count", "40", "--threads", "1"];

    /// <summary>The fixture's safetensors weights, changed by <paramref name="edit"/>, in a new file.</summary>
    string EditedWeights(string name, Action<Dictionary<string, Tensor>> edit)
    {
        var (tensors, metadata) = Safetensors.Read(TimmFixtures.File("vit-cls", "model.safetensors"));
        edit(tensors);
        string path = _temp.Combine(name);
        using (var stream = File.Create(path))
            Safetensors.Write(stream, tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList(), metadata);
        foreach (var t in tensors.Values) t.Dispose();
        return path;
    }

    [Fact]
    public void APthWithoutHeadsAsksForThem()
    {
        string weights = TimmFixtures.CopyTo(_temp.Path, "vit-cls.pth");
        CliRunner.AssertBadInput(CliRunner.Run(["knn", "--checkpoint", weights, .. TinyData]), "vit-cls.pth", "pass --heads");
    }

    [Fact]
    public void APthThatIsNoStateDictIsOneLine()
    {
        string weights = _temp.Combine("junk.pth");
        File.WriteAllBytes(weights, [0x80, 0x02, 0x7d, 0x71]);
        CliRunner.AssertBadInput(CliRunner.Run(["knn", "--checkpoint", weights, "--heads", "4", .. TinyData]), "junk.pth", "not a PyTorch state dict");
    }

    [Fact]
    public void AnUnknownKeyIsNamed()
    {
        string weights = EditedWeights("extra.safetensors", t => t["blocks.0.ls1.gamma"] = ones(32));
        CliRunner.AssertBadInput(CliRunner.Run(["linprobe", "--checkpoint", weights, "--heads", "4", .. TinyData]),
            "unknown key 'blocks.0.ls1.gamma'");
    }

    [Fact]
    public void AWrongShapeIsNamed()
    {
        string weights = EditedWeights("shape.safetensors", t => t["blocks.1.attn.proj.weight"] = zeros(32, 16));
        CliRunner.AssertBadInput(CliRunner.Run(["embed", "--checkpoint", weights, "--heads", "4", "--out", _temp.Combine("f.safetensors"), .. TinyData]),
            "'blocks.1.attn.proj.weight' is [32, 16] but a 32/2/4 ViT with patch 4 needs [32, 32]");
    }

    [Fact]
    public void AMissingKeyIsNamed()
    {
        string weights = EditedWeights("missing.safetensors", t => t.Remove("norm.weight"));
        CliRunner.AssertBadInput(CliRunner.Run(["finetune", "--checkpoint", weights, "--heads", "4", .. TinyData]),
            "no tensor 'norm.weight'");
        Assert.False(File.Exists(_temp.Combine("finetune.json")));
    }

    [Fact]
    public void KnnOfATimmFolderNormalisesWithItsConfigAndRecordsTheResultBesideIt()
    {
        string folder = TimmFixtures.CopyTo(_temp.Path, "vit-cls");
        var result = CliRunner.Run(["knn", "--checkpoint", folder, "--k", "5", .. TinyData]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("imported timm safetensors model.safetensors: ViT 32/2/4", result.Out);
        Assert.Contains("features: class token", result.Out);
        Assert.Contains("normalising both splits with config.json's mean [0.5000, 0.5000, 0.5000], std [0.2500, 0.2500, 0.2500]", result.Out);
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "knn.json")));
        Assert.Equal(JsonValueKind.Null, record.RootElement.GetProperty("pretraining").ValueKind);
        Assert.Equal(EvaluationRecordSha(Path.Combine(folder, "model.safetensors")), record.RootElement.GetProperty("checkpoint-sha256").GetString());
    }

    static string EvaluationRecordSha(string path) => RandSac.Evaluation.EvaluationRecord.Sha256(path);

    [Fact]
    public void EmbedWritesFeaturesLabelsAndIndicesAndRefusesAnExistingFile()
    {
        string weights = TimmFixtures.CopyTo(_temp.Path, "mae-style.pth");
        string features = _temp.Combine("features.safetensors");
        var result = CliRunner.Run(["embed", "--checkpoint", weights, "--heads", "4", "--split", "train", "--train-subset", "7",
            "--out", features, .. TinyData]);
        Assert.Equal(0, result.ExitCode);
        var (tensors, metadata) = Safetensors.Read(features);
        Assert.Equal(new long[] { 7, 32 }, tensors["features"].shape);
        var index = tensors["index"].data<long>().ToArray();
        Assert.Equal(7, index.Length);
        Assert.Equal(index.Order(), index);
        Assert.All(index, i => Assert.InRange(i, 0, 39));
        Assert.Equal(7, tensors["labels"].shape[0]);
        Assert.Equal("train", metadata["split"]);
        foreach (var t in tensors.Values) t.Dispose();

        var again = CliRunner.Run(["embed", "--checkpoint", weights, "--heads", "4", "--out", features, .. TinyData]);
        CliRunner.AssertBadInput(again, "already exists");
    }

    [Fact]
    public void PretrainInitFromAnMaeCheckpointKeepsItsDecoderForMae()
    {
        string weights = TimmFixtures.CopyTo(_temp.Path, "mae-style.pth");
        string run = _temp.Combine("run");
        // The first step's learning rate is 0 (warmup), so the checkpoint holds the loaded weights.
        var result = CliRunner.Run(["pretrain", "--init", weights, "--heads", "4", "--method", "mae", "--batch", "8",
            "--max-steps", "1", "--out", run, .. TinyData]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("left out cls_token", result.Out);
        Assert.Contains("left out pos_embed", result.Out);
        Assert.Contains("initialised MAE's decoder", result.Out);
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(run));
        Assert.Equal("32/2/4", checkpoint.Config.Model);
        var (source, _) = PthFile.Read(weights);
        Assert.True(TensorAssert.Same(source["blocks.1.mlp.fc2.weight"], checkpoint.Model["encoder.blocks.1.mlp.fc2.weight"]));
        Assert.True(TensorAssert.Same(source["decoder_blocks.0.attn.qkv.weight"], checkpoint.Model["decoder_blocks.0.attn.qkv.weight"]));
        Assert.True(TensorAssert.Same(source["mask_token"], checkpoint.Model["mask_token"]));
        foreach (var t in source.Values) t.Dispose();
    }
}
