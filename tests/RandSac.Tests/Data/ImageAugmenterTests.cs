using RandSac.Data;
using RandSac.Data.Augmentation;

namespace RandSac.Tests.Data;

public class ImageAugmenterTests
{
    static readonly float[] Mean = [0.5f, 0.4f, 0.3f];
    static readonly float[] Std = [0.25f, 0.2f, 0.1f];

    static byte[] RandomImage(int channels, int height, int width, int seed)
    {
        var bytes = new byte[channels * height * width];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    static float Normalised(byte value, int channel) => (value / 255f - Mean[channel]) / Std[channel];

    [Fact]
    public void NoAugmentationIsJustNormalisation()
    {
        byte[] image = RandomImage(3, 8, 8, 1);
        var augmenter = new ImageAugmenter(3, 8, 8, Mean, Std, AugmentationOptions.None);
        var output = new float[augmenter.OutputLength];

        augmenter.Apply(image, output, seed: 0);

        for (int i = 0; i < image.Length; i++)
        {
            Assert.Equal(Normalised(image[i], i / 64), output[i], 4);
        }
    }

    [Fact]
    public void FlipMirrorsEachRow()
    {
        byte[] image = RandomImage(3, 6, 6, 2);
        var whole = new AugmentationOptions { ScaleMin = 1, ScaleMax = 1, RatioMin = 1, RatioMax = 1 };
        var flipped = new float[3 * 36];
        var straight = new float[3 * 36];

        var (crop, didFlip) = new ImageAugmenter(3, 6, 6, Mean, Std, whole with { FlipProbability = 1 }).Apply(image, flipped, seed: 3);
        new ImageAugmenter(3, 6, 6, Mean, Std, whole with { FlipProbability = 0 }).Apply(image, straight, seed: 3);

        Assert.True(didFlip);
        Assert.Equal(CropBox.Whole(6, 6), crop);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 6; y++)
            {
                for (int x = 0; x < 6; x++)
                {
                    int at = (c * 6 + y) * 6 + x;
                    int mirrored = (c * 6 + y) * 6 + (5 - x);
                    Assert.Equal(Normalised(image[at], c), straight[at], 4);
                    Assert.Equal(straight[at], flipped[mirrored]);
                }
            }
        }
    }

    [Fact]
    public void FlipHappensAboutHalfTheTime()
    {
        byte[] image = RandomImage(3, 8, 8, 4);
        var augmenter = new ImageAugmenter(3, 8, 8, Mean, Std, AugmentationOptions.Pretrain);
        var output = new float[augmenter.OutputLength];
        int flips = Enumerable.Range(0, 1000).Count(seed => augmenter.Apply(image, output, seed).Flipped);
        Assert.InRange(flips, 430, 570);
    }

    [Fact]
    public void RandomCropOutputHasTheSizeAndStaysInTheNormalisedRange()
    {
        byte[] image = RandomImage(3, 32, 32, 5);
        var augmenter = new ImageAugmenter(3, 32, 32, Mean, Std, AugmentationOptions.Pretrain with { OutputSize = 24 });
        var output = new float[augmenter.OutputLength];
        Assert.Equal(3 * 24 * 24, output.Length);

        for (int seed = 0; seed < 50; seed++)
        {
            augmenter.Apply(image, output, seed);
            for (int c = 0; c < 3; c++)
            {
                float low = Normalised(0, c) - 1e-4f, high = Normalised(255, c) + 1e-4f;
                for (int i = c * 576; i < (c + 1) * 576; i++)
                {
                    Assert.InRange(output[i], low, high);
                }
            }
        }
    }

    [Fact]
    public void SameSeedSameOutputAndDifferentSeedsDiffer()
    {
        byte[] image = RandomImage(3, 32, 32, 6);
        var augmenter = new ImageAugmenter(3, 32, 32, Mean, Std, AugmentationOptions.Pretrain);
        var a = new float[augmenter.OutputLength];
        var b = new float[augmenter.OutputLength];
        var c = new float[augmenter.OutputLength];

        augmenter.Apply(image, a, seed: 17);
        augmenter.Apply(image, b, seed: 17);
        augmenter.Apply(image, c, seed: 18);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void CropIsResampledFromTheCroppedRegionOnly()
    {
        // Left half black, right half white: a crop inside the white half must come out all white.
        var image = new byte[3 * 16 * 16];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 16; y++)
            {
                for (int x = 8; x < 16; x++)
                {
                    image[(c * 16 + y) * 16 + x] = 255;
                }
            }
        }
        var resampler = new Resampler();
        var output = new float[3 * 16 * 16];
        var crop = new CropBox(4, 8, 5, 3);
        resampler.Resample(image, PixelLayout.Planar(3, 16, 16), crop, crop.Left, crop.Top, crop.Width, crop.Height,
            16, 16, flip: false, [1f, 1f, 1f], [0f, 0f, 0f], output);
        Assert.All(output, v => Assert.Equal(255f, v, 3));
    }

    [Fact]
    public void EnlargingIsBilinearWithHalfPixelCentres()
    {
        // One row [0, 100] to 4 samples: align_corners=False bilinear gives 0, 25, 75, 100.
        byte[] image = [0, 100];
        var output = new float[4];
        new Resampler().Resample(image, PixelLayout.Planar(1, 1, 2), CropBox.Whole(1, 2), 0, 0, 2, 1, 1, 4, false, [1f], [0f], output);
        Assert.Equal([0f, 25f, 75f, 100f], output);
    }

    [Fact]
    public void ShrinkingAveragesWithAWiderTriangle()
    {
        // [0, 40, 80, 120] halved: the antialiasing filter spans two source pixels each side.
        byte[] image = [0, 40, 80, 120];
        var output = new float[2];
        new Resampler().Resample(image, PixelLayout.Planar(1, 1, 4), CropBox.Whole(1, 4), 0, 0, 4, 1, 1, 2, false, [1f], [0f], output);
        Assert.Equal(50f / 1.75f, output[0], 4);
        Assert.Equal(120f - 50f / 1.75f, output[1], 4);
    }

    [Fact]
    public void WideOutputsAgreeAcrossTheWholeRow()
    {
        // Rows of constant value 10·y: every output row must be constant, including the columns
        // beyond the last whole SIMD vector, and follow the bilinear vertical interpolation.
        var image = new byte[1 * 4 * 4];
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                image[y * 4 + x] = (byte)(10 * y);
            }
        }
        var output = new float[8 * 13];
        new Resampler().Resample(image, PixelLayout.Planar(1, 4, 4), CropBox.Whole(4, 4), 0, 0, 4, 4, 8, 13, false, [1f], [0f], output);
        for (int y = 0; y < 8; y++)
        {
            float expected = 10f * Math.Clamp((y + 0.5f) * 0.5f - 0.5f, 0f, 3f);
            for (int x = 0; x < 13; x++)
            {
                Assert.Equal(expected, output[y * 13 + x], 4);
            }
        }
    }
}
