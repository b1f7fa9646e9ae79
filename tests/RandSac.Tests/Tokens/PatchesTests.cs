using RandSac.Tokens;
using static TorchSharp.torch;

namespace RandSac.Tests.Tokens;

public class PatchesTests
{
    [Theory]
    [InlineData(1, 8, 8, 2)]
    [InlineData(3, 32, 32, 4)]
    [InlineData(3, 12, 8, 4)]
    public void PatchifyThenUnpatchifyIsTheIdentity(int channels, int height, int width, int patch)
    {
        manual_seed(1);
        using var images = randn(2, channels, height, width);
        using var patches = Patches.Patchify(images, patch);
        Assert.Equal(new long[] { 2, height / patch * (width / patch), patch * patch * channels }, patches.shape);
        using var back = Patches.Unpatchify(patches, patch, channels, height, width);
        Assert.True(TensorAssert.Same(images, back));
    }

    [Fact]
    public void PatchValuesAreRowColumnChannelInMaeLayout()
    {
        // Pixel value = 1000·c + 10·y + x identifies channel and position.
        var values = new float[2 * 4 * 4];
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                    values[c * 16 + y * 4 + x] = 1000 * c + 10 * y + x;
        using var images = tensor(values, [1, 2, 4, 4]);
        using var patches = Patches.Patchify(images, 2);
        // Token 1 = top-right patch (rows 0-1, columns 2-3); its values run (py, px, c).
        float[] expected = [2, 1002, 3, 1003, 12, 1012, 13, 1013];
        Assert.Equal(expected, patches[0, 1].data<float>().ToArray());
    }

    [Fact]
    public void SizesThatThePatchDoesNotDivideAreRejected()
    {
        using var images = zeros(1, 3, 30, 32);
        var error = Assert.Throws<ArgumentException>(() => Patches.Patchify(images, 4));
        Assert.Contains("30×32 is not divisible by patch size 4", error.Message);
    }

    [Fact]
    public void PerPatchNormalisationGivesZeroMeanUnitVariance()
    {
        manual_seed(2);
        using var patches = randn(2, 5, 48) * 3 + 7;
        using var normalised = Patches.NormalisePerPatch(patches);
        Assert.True(normalised.mean([-1L]).abs().max().item<float>() < 1e-5);
        Assert.True((normalised.var(-1L, unbiased: true) - 1).abs().max().item<float>() < 1e-4);
    }

    [Fact]
    public void NormPixUsesTheUnbiasedVarianceAsMae()
    {
        // One patch (1, 2, 3, 4): mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5,
        // unbiased variance 5/3 (population variance would be 5/4).
        using var patch = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 4);
        using var normalised = Patches.NormalisePerPatch(patch);
        double std = Math.Sqrt(5.0 / 3 + 1e-6);
        var expected = new[] { -1.5 / std, -0.5 / std, 0.5 / std, 1.5 / std }; // ±1.161895, ±0.387298
        var actual = normalised.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 5);
        Assert.Equal(-1.161895, actual[0], 5);
    }

    [Fact]
    public void UnnormalisingWithTheTargetsStatisticsGivesTheTargetsBack()
    {
        manual_seed(3);
        using var targets = randn(2, 5, 48) * 0.4 + 0.2;
        using var normalised = Patches.NormalisePerPatch(targets);
        using var back = Patches.UnnormalisePerPatch(normalised, targets);
        Assert.True((back - targets).abs().max().item<float>() < 1e-5);
    }
}
