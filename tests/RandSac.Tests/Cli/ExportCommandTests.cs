using RandSac.Data;
using RandSac.IO;
using RandSac.Training;

namespace RandSac.Tests.Cli;

public sealed class ExportCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WritesTheEncoderWithTimmNamesAndPositions()
    {
        var config = new PretrainConfig
        {
            Dataset = new DatasetSpec { ImageSize = 16, SyntheticCount = 32 },
            DecoderDepth = 1, Batch = 8, MaxSteps = 1, Threads = 1,
        };
        var summary = new Pretraining(config, _temp.Combine("run")).Run(resume: false);
        string exported = _temp.Combine("encoder.safetensors");

        var result = CliRunner.Run("export", "--checkpoint", summary.CheckpointPath, "--out", exported);
        Assert.Equal(0, result.ExitCode);
        var (tensors, metadata) = Safetensors.Read(exported);
        using var checkpoint = Checkpoint.Load(summary.CheckpointPath);
        Assert.Equal(new long[] { 1, 16, 128 }, tensors["pos_embed"].shape);
        Assert.Equal(new long[] { 128, 3, 4, 4 }, tensors["patch_embed.proj.weight"].shape);
        Assert.True(TensorAssert.Same(checkpoint.Model["encoder.blocks.5.mlp.fc2.weight"], tensors["blocks.5.mlp.fc2.weight"]));
        Assert.DoesNotContain(tensors.Keys, k => k.StartsWith("decoder", StringComparison.Ordinal) || k.StartsWith("encoder.", StringComparison.Ordinal));
        Assert.Equal("pt", metadata["format"]);
        foreach (var t in tensors.Values) t.Dispose();

        var again = CliRunner.Run("export", "--checkpoint", summary.CheckpointPath, "--out", exported);
        CliRunner.AssertBadInput(again, "already exists");
    }
}
