using RandSac.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Tests.Models;

/// <summary>
/// Parameter names and shapes are pinned: they follow timm's VisionTransformer so weights carry to
/// PyTorch (class_token=False, global_pool='avg'; timm's pos_embed and head are not ours).
/// </summary>
[Collection(TorchGlobalState.Name)]
public class StateDictTests
{
    /// <summary>timm's ViT names for an encoder without class token, pos_embed or head.</summary>
    static List<(string Name, long[] Shape)> TimmEncoder(int dim, int depth, int patch, int channels, string prefix = "")
    {
        var expected = new List<(string, long[])>
        {
            ("patch_embed.proj.weight", [dim, channels, patch, patch]),
            ("patch_embed.proj.bias", [dim]),
        };
        for (int i = 0; i < depth; i++)
        {
            string b = $"blocks.{i}.";
            expected.AddRange([
                (b + "norm1.weight", [dim]), (b + "norm1.bias", [dim]),
                (b + "attn.qkv.weight", [3 * dim, dim]), (b + "attn.qkv.bias", [3 * dim]),
                (b + "attn.proj.weight", [dim, dim]), (b + "attn.proj.bias", [dim]),
                (b + "norm2.weight", [dim]), (b + "norm2.bias", [dim]),
                (b + "mlp.fc1.weight", [4 * dim, dim]), (b + "mlp.fc1.bias", [4 * dim]),
                (b + "mlp.fc2.weight", [dim, 4 * dim]), (b + "mlp.fc2.bias", [dim]),
            ]);
        }
        expected.AddRange([("norm.weight", [dim]), ("norm.bias", [dim])]);
        return expected.Select(e => (prefix + e.Item1, e.Item2)).ToList();
    }

    static void AssertState(nn.Module module, IEnumerable<(string Name, long[] Shape)> expected)
    {
        var actual = module.state_dict().Select(kv => (kv.Key, Shape: string.Join("x", kv.Value.shape))).OrderBy(e => e.Key, StringComparer.Ordinal);
        var wanted = expected.Select(e => (Key: e.Name, Shape: string.Join("x", e.Shape))).OrderBy(e => e.Key, StringComparer.Ordinal);
        Assert.Equal(wanted, actual);
    }

    /// <summary>
    /// Builds a module on the meta device, as ML.NET GenAI's shape tests do: parameters get shapes and
    /// no storage, so ViT-B's 86M parameters cost nothing to check.
    /// </summary>
    static T OnMeta<T>(Func<T> build)
    {
        var previous = get_default_device();
        set_default_device(new Device(DeviceType.META));
        try
        {
            return build();
        }
        finally
        {
            set_default_device(previous);
        }
    }

    // Parameter counts of timm's vit_{tiny,small,base}_patch16_224 minus cls_token, pos_embed and head
    // (5,717,416 / 22,050,664 / 86,567,656 in timm).
    [Theory]
    [InlineData("mini", 128, 6, 1_288_320L)]
    [InlineData("tiny", 192, 12, 5_486_400L)]
    [InlineData("small", 384, 12, 21_589_632L)]
    [InlineData("base", 768, 12, 85_646_592L)]
    public void EncoderPresetsUseTimmNamesAndShapes(string preset, int dim, int depth, long parameters)
    {
        var config = ViTConfig.Preset(preset, patchSize: 16, channels: 3, imageSize: 224);
        Assert.Equal((dim, depth), (config.Dim, config.Depth));
        using var encoder = OnMeta(() => new VisionTransformer(config)); // built, never run
        Assert.All(encoder.parameters(), p => Assert.Equal(DeviceType.META, p.device_type)); // nothing allocated
        AssertState(encoder, TimmEncoder(dim, depth, 16, 3));
        Assert.Equal(parameters, encoder.parameters().Sum(p => p.numel()));
        Assert.Empty(encoder.buffers()); // the sin-cos table is not state
    }

    [Fact]
    public void PresetHeads()
    {
        Assert.Equal([4, 3, 6, 12], ViTConfig.PresetNames.Select(n => ViTConfig.Preset(n).Heads));
        Assert.Throws<ArgumentException>(() => ViTConfig.Preset("huge"));
        Assert.Throws<ArgumentException>(() => new ViTConfig(32, 2, 2, PatchSize: 5).Validated());
        Assert.Throws<ArgumentException>(() => new ViTConfig(30, 2, 4).Validated());
    }

    static IEnumerable<(string, long[])> RandSacDecoder(int dim, int depth, int encoderDepth, int patchDim, bool skip)
    {
        for (int i = 0; i < depth; i++)
        {
            string b = $"decoder_blocks.{i}.";
            foreach (var e in new (string, long[])[]
            {
                ("norm1.weight", [dim]), ("norm1.bias", [dim]),
                ("attn.qkv.weight", [3 * dim, dim]), ("attn.qkv.bias", [3 * dim]),
                ("attn.proj.weight", [dim, dim]), ("attn.proj.bias", [dim]),
                ("norm2.weight", [dim]), ("norm2.bias", [dim]),
                ("cross_attn.q.weight", [dim, dim]), ("cross_attn.q.bias", [dim]),
                ("cross_attn.kv.weight", [2 * dim, dim]), ("cross_attn.kv.bias", [2 * dim]),
                ("cross_attn.proj.weight", [dim, dim]), ("cross_attn.proj.bias", [dim]),
                ("norm3.weight", [dim]), ("norm3.bias", [dim]),
                ("mlp.fc1.weight", [4 * dim, dim]), ("mlp.fc1.bias", [4 * dim]),
                ("mlp.fc2.weight", [dim, 4 * dim]), ("mlp.fc2.bias", [dim]),
            })
                yield return (b + e.Item1, e.Item2);
        }
        yield return ("decoder_norm.weight", [dim]);
        yield return ("decoder_norm.bias", [dim]);
        yield return ("decoder_pred.weight", [patchDim, dim]);
        yield return ("decoder_pred.bias", [patchDim]);
        if (skip) yield return ("skip_weight", [depth, encoderDepth]);
    }

    [Theory]
    [InlineData("mini", true)]
    [InlineData("tiny", true)]
    [InlineData("tiny", false)]
    public void RandSacNamesOnCifar(string preset, bool skip)
    {
        var config = ViTConfig.Preset(preset);
        using var model = new RandSacModel(config, new DecoderConfig(), skip);
        AssertState(model, TimmEncoder(config.Dim, config.Depth, 4, 3, "encoder.")
            .Concat(RandSacDecoder(config.Dim, 4, config.Depth, 48, skip)));
        Assert.Same(model.Encoder, model.named_children().Single(c => c.name == "encoder").module);
    }

    [Fact]
    public void RandSacWithANarrowerDecoderMapsMemoryWithDecoderEmbed()
    {
        var config = ViTConfig.Preset("mini");
        using var model = new RandSacModel(config, new DecoderConfig(Depth: 2, Dim: 64), skip: true);
        AssertState(model, TimmEncoder(128, 6, 4, 3, "encoder.")
            .Concat(RandSacDecoder(64, 2, 6, 48, skip: true))
            .Concat([("decoder_embed.weight", [64L, 128L]), ("decoder_embed.bias", [64L])]));
    }

    [Fact]
    public void TwoStreamIsTheEncoderPlusAPixelHead()
    {
        var config = ViTConfig.Preset("mini");
        using var model = new TwoStreamModel(config);
        AssertState(model, TimmEncoder(128, 6, 4, 3, "encoder.")
            .Concat([("decoder_pred.weight", [48L, 128L]), ("decoder_pred.bias", [48L])]));
    }

    [Fact]
    public void MaeUsesMaeNames()
    {
        var config = ViTConfig.Preset("mini");
        using var model = new MaeModel(config, new DecoderConfig(Depth: 2));
        var decoder = new List<(string, long[])>
        {
            ("decoder_embed.weight", [128, 128]), ("decoder_embed.bias", [128]), ("mask_token", [1, 1, 128]),
            ("decoder_norm.weight", [128]), ("decoder_norm.bias", [128]),
            ("decoder_pred.weight", [48, 128]), ("decoder_pred.bias", [48]),
        };
        decoder.AddRange(TimmEncoder(128, 2, 4, 3, "decoder_").Where(e => e.Name.StartsWith("decoder_blocks.")));
        AssertState(model, TimmEncoder(128, 6, 4, 3, "encoder.").Concat(decoder));
    }
}
