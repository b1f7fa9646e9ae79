using RandSac.Models;
using RandSac.Plans;
using RandSac.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Tests.Models;

/// <summary>Tiny shapes and helpers shared by the model tests.</summary>
static class ModelTestKit
{
    /// <summary>dim 32, depth 2, heads 2, 16×16 RGB images, patch 2 → an 8×8 token grid.</summary>
    public static ViTConfig Tiny(int patchSize = 2, int depth = 2) =>
        new(Dim: 32, Depth: depth, Heads: 2, PatchSize: patchSize, Channels: 3, ImageHeight: 16, ImageWidth: 16);

    public static DecoderConfig TinyDecoder => new(Depth: 2);

    public static T Float64<T>(T module) where T : nn.Module
    {
        module.to(float64);
        module.eval();
        return module;
    }

    public static Tensor Images(int batch, ViTConfig config, int seed, ScalarType dtype = ScalarType.Float64)
    {
        var generator = new Generator((ulong)seed);
        return randn([batch, config.Channels, config.ImageHeight, config.ImageWidth], dtype: dtype, generator: generator);
    }

    public static SegmentPlan Plan(ViTConfig config, string segments, string order, int batch, int seed) =>
        PlanSampler.Parse(segments, order, config.Grid).SampleBatch(batch, seed);

    /// <summary>Adds noise to the pixels of the given tokens of one image.</summary>
    public static Tensor Perturb(Tensor images, int patchSize, int image, IEnumerable<int> tokens, int seed)
    {
        using var scope = NewDisposeScope();
        var patches = Patches.Patchify(images, patchSize).clone();
        var generator = new Generator((ulong)seed);
        foreach (int t in tokens)
        {
            var row = patches[image, t];
            row.add_(randn(row.shape, dtype: row.dtype, generator: generator));
        }
        var (c, h, w) = ((int)images.shape[1], (int)images.shape[2], (int)images.shape[3]);
        return Patches.Unpatchify(patches, patchSize, c, h, w).MoveToOuterDisposeScope();
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<double>();
    }

    public static long[] Longs(Tensor t) => t.cpu().to_type(ScalarType.Int64).data<long>().ToArray();

    public static bool[] Bools(Tensor t) => t.cpu().data<bool>().ToArray();
}
