using RandSac.Data;
using SkiaSharp;

namespace RandSac.Tests.Data;

public class ImageFolderReaderTests
{
    static void WriteImage(string path, int width, int height, Func<int, int, SKColor> colour)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, colour(x, y));
            }
        }
        var format = path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
        using var file = File.Create(path);
        Assert.True(bitmap.Encode(file, format, 95));
    }

    static void WriteSolid(string path, int width, int height, SKColor colour) => WriteImage(path, width, height, (_, _) => colour);

    /// <summary>Two classes, written in reverse name order to check the ordinal sorting.</summary>
    static void WriteSmallFolder(string root)
    {
        // Wide image: red | green | blue bands of 4, 32, 4 columns. Its centred 20×20 square and the
        // few columns the shrinking filter reads beside it (as resize-then-crop would) are green.
        WriteImage(Path.Combine(root, "zebra", "wide.png"), 40, 20,
            (x, _) => x < 4 ? new SKColor(255, 0, 0) : x < 36 ? new SKColor(0, 255, 0) : new SKColor(0, 0, 255));
        WriteSolid(Path.Combine(root, "zebra", "sub", "tall.png"), 6, 30, new SKColor(10, 20, 30));
        WriteSolid(Path.Combine(root, "apple", "b.jpg"), 64, 48, new SKColor(200, 100, 50));
        WriteSolid(Path.Combine(root, "apple", "a.jpeg"), 12, 12, new SKColor(0, 0, 250));
        File.WriteAllText(Path.Combine(root, "labels.txt"), "files in the root are ignored");
        Directory.CreateDirectory(Path.Combine(root, ".hidden"));
    }

    [Fact]
    public void ReadsClassesSortedAndCentreCropsToTheSize()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("images");
        WriteSmallFolder(root);

        using var data = ImageFolderReader.Load(root, 8, new ImageFolderOptions { UseCache = false });

        Assert.Equal(["apple", "zebra"], data.ClassNames);
        Assert.Equal([4L, 3, 8, 8], data.Images.shape);
        Assert.Equal([0, 0, 1, 1], data.Labels);
        // Files sorted within a class: a.jpeg, b.jpg, sub/tall.png, wide.png.
        AssertSolid(data.GetPixels(0), 0, 0, 250, tolerance: 3);
        AssertSolid(data.GetPixels(1), 200, 100, 50, tolerance: 3);
        AssertSolid(data.GetPixels(2), 10, 20, 30, tolerance: 0);
        AssertSolid(data.GetPixels(3), 0, 255, 0, tolerance: 0);
    }

    [Fact]
    public void MeanAndStdComeFromTheImages()
    {
        using var temp = new TempDirectory();
        WriteSolid(temp.Combine("a", "black.png"), 4, 4, new SKColor(0, 0, 0));
        WriteSolid(temp.Combine("b", "white.png"), 4, 4, new SKColor(255, 255, 255));

        using var data = ImageFolderReader.Load(temp.Path, 4, new ImageFolderOptions { UseCache = false });

        Assert.All(data.Mean, m => Assert.Equal(0.5f, m, 4));
        Assert.All(data.Std, s => Assert.Equal(0.5f, s, 4));
    }

    [Fact]
    public void SecondLoadReadsTheCacheInsteadOfDecoding()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("images");
        WriteSmallFolder(root);
        var log = new List<string>();
        var options = new ImageFolderOptions { CacheDirectory = temp.Combine("cache"), Log = log.Add };

        using var first = ImageFolderReader.Load(root, 8, options);
        Assert.Single(Directory.GetFiles(temp.Combine("cache")));

        // Same length and modification time, but no longer an image: only a cache hit can load it now.
        string victim = Path.Combine(root, "zebra", "wide.png");
        var modified = File.GetLastWriteTimeUtc(victim);
        File.WriteAllBytes(victim, new byte[new FileInfo(victim).Length]);
        File.SetLastWriteTimeUtc(victim, modified);

        using var second = ImageFolderReader.Load(root, 8, options);

        Assert.True(TensorAssert.Same(first.Images, second.Images));
        Assert.Equal(first.Labels, second.Labels);
        Assert.Equal(first.Mean, second.Mean);
        Assert.Contains(log, line => line.Contains("read from cache"));
        Assert.Throws<DataException>(() => ImageFolderReader.Load(root, 8, options with { UseCache = false }));
    }

    [Fact]
    public void DamagedCachedPixelsAreDecodedAgain()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("images");
        WriteSmallFolder(root);
        var log = new List<string>();
        var options = new ImageFolderOptions { CacheDirectory = temp.Combine("cache"), Log = log.Add };
        using var first = ImageFolderReader.Load(root, 8, options);
        string cache = Assert.Single(Directory.GetFiles(temp.Combine("cache")));
        var bytes = File.ReadAllBytes(cache);
        bytes[^40] ^= 0x01; // a pixel of the last image
        File.WriteAllBytes(cache, bytes);

        using var second = ImageFolderReader.Load(root, 8, options);

        Assert.True(TensorAssert.Same(first.Images, second.Images));
        Assert.Contains(log, line => line.Contains("cached pixels are damaged") && line.Contains(cache));
        Assert.DoesNotContain(log, line => line.Contains("read from cache"));
    }

    [Fact]
    public void ChangedFolderOrSizeMissesTheCache()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("images");
        WriteSmallFolder(root);
        var options = new ImageFolderOptions { CacheDirectory = temp.Combine("cache") };

        using (ImageFolderReader.Load(root, 8, options)) { }
        using (ImageFolderReader.Load(root, 6, options)) { }
        WriteSolid(Path.Combine(root, "apple", "c.png"), 5, 5, new SKColor(1, 2, 3));
        using var grown = ImageFolderReader.Load(root, 8, options);

        Assert.Equal(5, grown.Count);
        Assert.Equal(3, Directory.GetFiles(temp.Combine("cache")).Length);
    }

    [Fact]
    public void NonImageFileInClassFolderIsNamed()
    {
        using var temp = new TempDirectory();
        WriteSmallFolder(temp.Path);
        File.WriteAllText(temp.Combine("apple", "notes.txt"), "hello");

        var error = Assert.Throws<DataException>(() => ImageFolderReader.Load(temp.Path, 8, new ImageFolderOptions { UseCache = false }));

        Assert.Contains(temp.Combine("apple", "notes.txt") + ": not an image file", error.Message);
    }

    [Fact]
    public void UndecodableImageIsNamed()
    {
        using var temp = new TempDirectory();
        WriteSmallFolder(temp.Path);
        File.WriteAllText(temp.Combine("zebra", "broken.png"), "this is not a PNG");

        var error = Assert.Throws<DataException>(() => ImageFolderReader.Load(temp.Path, 8, new ImageFolderOptions { UseCache = false }));

        Assert.StartsWith(temp.Combine("zebra", "broken.png") + ": not a readable image", error.Message);
    }

    [Fact]
    public void EmptyClassFolderIsNamed()
    {
        using var temp = new TempDirectory();
        WriteSmallFolder(temp.Path);
        Directory.CreateDirectory(temp.Combine("empty"));

        var error = Assert.Throws<DataException>(() => ImageFolderReader.Load(temp.Path, 8, new ImageFolderOptions { UseCache = false }));

        Assert.Equal(temp.Combine("empty") + ": class folder has no images (.jpg, .jpeg or .png)", error.Message);
    }

    [Fact]
    public void FolderWithoutClassFoldersIsNamed()
    {
        using var temp = new TempDirectory();
        WriteSolid(temp.Combine("loose.png"), 4, 4, new SKColor(1, 1, 1));

        var noClasses = Assert.Throws<DataException>(() => ImageFolderReader.Load(temp.Path, 8));
        var missing = Assert.Throws<DataException>(() => ImageFolderReader.Load(temp.Combine("absent"), 8));

        Assert.StartsWith(temp.Path + ": no class folders", noClasses.Message);
        Assert.StartsWith(temp.Combine("absent") + ": folder not found", missing.Message);
    }

    static void AssertSolid(ReadOnlySpan<byte> chw, int r, int g, int b, int tolerance)
    {
        int plane = chw.Length / 3;
        int[] expected = [r, g, b];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < plane; i++)
            {
                Assert.InRange(chw[c * plane + i], expected[c] - tolerance, expected[c] + tolerance);
            }
        }
    }
}
