using System.Buffers.Binary;
using System.Text.Json.Nodes;
using RandSac.Cli;
using RandSac.Tests.Evaluation;
using RandSac.Training;

namespace RandSac.Tests.Cli;

/// <summary>
/// Damaged copies of one tiny checkpoint — truncated, header edited, dtype, shape and metadata
/// changed at the same size, data zeroed or flipped, NaN injected, the generator state broken,
/// config and tensors disagreeing — are each refused by every command that reads checkpoints,
/// with one line naming the file and the damaged entry, exit code 2, and nothing written.
/// </summary>
public sealed class CheckpointCorruptionTests(TinyRun run) : IClassFixture<TinyRun>
{
    const string Norm = "model.encoder.norm.weight";
    const string Fc1 = "model.encoder.blocks.0.mlp.fc1.weight";

    /// <summary>Each damage: how to make it from the checkpoint's bytes, and what the message must say.</summary>
    static readonly Dictionary<string, (Func<SafetensorsBytes, byte[]> Damage, string[] Message)> Damages = new()
    {
        ["truncated to 4 bytes"] = (f => f.Bytes[..4], ["too short"]),
        ["truncated in the header"] = (f => f.Bytes[..100], ["truncated", "header"]),
        ["truncated to half"] = (f => f.Bytes[..(f.Bytes.Length / 2)], ["truncated", "tensor '"]),
        ["last byte missing"] = (f => f.Bytes[..^1], ["truncated", "'rng.torch'"]),
        ["header JSON broken"] = (f => f.WithHeaderText("\"__metadata__\":{", "\"__metadata__\":["), ["not valid JSON"]),
        ["header entry without data_offsets"] = (f => f.WithHeaderText($"\"{Norm}\":{{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\"",
            $"\"{Norm}\":{{\"dtype\":\"F32\",\"shape\":[128],\"data_offsetz\""), [$"'{Norm}'", "data_offsets"]),
        ["dtype F32 to I32"] = (f => f.WithHeaderText($"\"{Norm}\":{{\"dtype\":\"F32\"", $"\"{Norm}\":{{\"dtype\":\"I32\""),
            [$"'{Norm}' is I32 [128] in the header but was written as F32 [128]"]),
        ["shape transposed"] = (f => f.WithHeaderText($"\"{Fc1}\":{{\"dtype\":\"F32\",\"shape\":[512,128]", $"\"{Fc1}\":{{\"dtype\":\"F32\",\"shape\":[128,512]"),
            [$"'{Fc1}' is F32 [128, 512] in the header"]),
        ["1 MiB of data zeroed"] = (f => f.WithBytes(b => b.AsSpan((int)f.DataStart + 4096, 1 << 20).Clear()), ["is damaged"]),
        ["one bit flipped"] = (f => f.WithBytes(b => b[f.DataStart + (b.Length - f.DataStart) / 2] ^= 0x10), ["is damaged"]),
        ["NaN injected"] = (f => f.WithBytes(b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan((int)f.OffsetOf(Norm)), float.NaN)),
            [$"'{Norm}' is damaged"]),
        ["generator state changed"] = (f => f.WithBytes(b => b[f.OffsetOf("rng.torch") + 100] ^= 0xFF), ["'rng.torch' is damaged"]),
        ["step changed"] = (f => f.WithHeaderText("\"step\":\"2\"", "\"step\":\"9\""), ["metadata 'step' is damaged"]),
        ["seed changed"] = (f => f.WithHeaderText("\\u0022seed\\u0022: 0", "\\u0022seed\\u0022: 5"), ["metadata 'config' is damaged"]),
        ["checksum table's digest changed"] = (f => f.WithHeaderText($"\"checksums_xxh128\":\"{Digest(f)}\"",
            $"\"checksums_xxh128\":\"{(Digest(f)[0] == '0' ? '1' : '0')}{Digest(f)[1..]}\""), ["the checksum table in the metadata is damaged"]),
        ["checksum table removed"] = (f => f.WithHeader(h => { Meta(h).Remove("checksums"); Meta(h).Remove("checksums_xxh128"); }),
            ["without its checksum table"]),
        ["unchecked: NaN injected"] = (f => Unchecked(f).WithBytes(b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan((int)Unchecked(f).OffsetOf(Norm)), float.NaN)),
            [$"'{Norm}' holds NaN"]),
        ["unchecked: infinity injected"] = (f => Unchecked(f).WithBytes(b => BinaryPrimitives.WriteSingleLittleEndian(
            b.AsSpan((int)Unchecked(f).OffsetOf("model.skip_weight") + 5 * 4), float.PositiveInfinity)), ["'model.skip_weight' holds NaN or infinite values"]),
        ["unchecked: malformed step"] = (f => Unchecked(f).WithHeaderText("\"step\":\"2\"", "\"step\":\"x\""), ["metadata 'step' is 'x'"]),
        ["unchecked: generator state out of range"] = (f => Unchecked(f).WithBytes(b => BinaryPrimitives.WriteInt32LittleEndian(
            b.AsSpan((int)Unchecked(f).OffsetOf("rng.torch") + 8), 100_000)), ["'rng.torch' is not a valid generator state"]),
        ["unchecked: generator state relabelled BOOL"] = (f => Unchecked(f).WithHeader(h => h["rng.torch"]!["dtype"] = "BOOL"),
            ["'rng.torch' is BOOL [5056]"]),
        ["unchecked: generator state shortened"] = (f => Unchecked(f).WithHeader(h =>
        {
            h["rng.torch"]!["shape"] = new JsonArray(5048);
            h["rng.torch"]!["data_offsets"]![1] = (long)h["rng.torch"]!["data_offsets"]![1]! - 8;
        }), ["'rng.torch' is U8 [5048]"]),
        ["unchecked: config says tiny"] = (f => Unchecked(f).WithHeaderText("\\u0022model\\u0022: \\u0022mini\\u0022", "\\u0022model\\u0022: \\u0022tiny\\u0022"),
            ["'model.skip_weight' is [1, 6] in the checkpoint", "randsac tiny model", "needs [1, 12]"]),
    };

    public static TheoryData<string> Cases => new(Damages.Keys);

    static string Digest(SafetensorsBytes file) => (string)file.Metadata["checksums_xxh128"]!;

    static JsonObject Meta(JsonObject header) => header["__metadata__"]!.AsObject();

    /// <summary>The checkpoint as it was written before checksums: version 1, no checksum table.</summary>
    static SafetensorsBytes Unchecked(SafetensorsBytes file) => SafetensorsBytes.Of(file.WithHeader(h =>
    {
        Meta(h).Remove("checksums");
        Meta(h).Remove("checksums_xxh128");
        Meta(h)["version"] = "1";
    }));

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryCommandRefusesTheDamagedCheckpoint(string damage)
    {
        var (make, message) = Damages[damage];
        string folder = Path.Combine(run.Root, "damaged", damage.Replace(' ', '-').Replace(':', '-'));
        Directory.CreateDirectory(folder);
        string file = Checkpoint.PathIn(folder);
        var bytes = make(SafetensorsBytes.Of(File.ReadAllBytes(run.CheckpointPath)));
        File.WriteAllBytes(file, bytes);
        AssertRefusedByEveryCommand(folder, message);
        Assert.Equal(bytes, File.ReadAllBytes(file));
    }

    [Fact]
    public void AConfigThatDisagreesWithTheTensorsIsRefused()
    {
        string folder = Path.Combine(run.Root, "config-tiny-tensors-mini");
        using (var saved = Checkpoint.Load(run.CheckpointPath))
            Checkpoint.Save(Checkpoint.PathIn(folder), saved.Config with { Model = "tiny" }, saved.Step, saved.MicroBatches,
                saved.Model, saved.Optimizer, saved.TorchRngState);
        // The first tensor the tiny model has in another shape: its skip weights mix 12 encoder blocks, not 6.
        AssertRefusedByEveryCommand(folder, ["'model.skip_weight' is [1, 6] in the checkpoint", "tiny model", "needs [1, 12]"]);
    }

    [Fact]
    public void ACheckpointWrittenBeforeChecksumsLoadsWithAWarning()
    {
        string folder = Path.Combine(run.Root, "unchecked");
        Directory.CreateDirectory(folder);
        string file = Checkpoint.PathIn(folder);
        File.WriteAllBytes(file, Unchecked(SafetensorsBytes.Of(File.ReadAllBytes(run.CheckpointPath))).Bytes);
        string exported = Path.Combine(folder, "encoder.safetensors");
        var result = CliRunner.Run("export", "--checkpoint", file, "--out", exported);
        Assert.Equal(0, result.ExitCode);
        var warning = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"randsac: warning: {file} was written before checkpoints carried checksums", warning);
        Assert.True(File.Exists(exported));
    }

    [Fact]
    public void AnIntactCheckpointPassesEveryCheck()
    {
        using var loaded = Checkpoint.Load(run.CheckpointPath);
        Assert.Null(loaded.IntegrityWarning);
        Assert.Equal(2, loaded.Step);
    }

    static void AssertRefusedByEveryCommand(string folder, string[] message)
    {
        string file = Checkpoint.PathIn(folder);
        string picture = Path.Combine(folder, "out.png"), exported = Path.Combine(folder, "out.safetensors");
        string[][] commands =
        [
            ["pretrain", "--out", folder, "--resume", "--threads", "1"],
            ["reconstruct", "--checkpoint", file, "--out", picture],
            ["export", "--checkpoint", file, "--out", exported],
            ["knn", "--checkpoint", folder, "--threads", "1"],
            ["linprobe", "--checkpoint", folder, "--threads", "1"],
            ["finetune", "--checkpoint", folder, "--threads", "1"],
        ];
        foreach (var command in commands)
        {
            var result = CliRunner.Run(command);
            try
            {
                CliRunner.AssertBadInput(result, [file + ":", .. message]);
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{command[0]}: exit {result.ExitCode}, error: {result.Error}\n{e.Message}");
            }
        }
        Assert.False(File.Exists(picture));
        Assert.False(File.Exists(exported));
        Assert.Equal([file], Directory.GetFiles(folder));
    }
}
