using RandSac.Data;

namespace RandSac.Tests.Data;

public class CifarImageSizeTests
{
    // Byte j of a CIFAR record is channel j / 1024, row (j % 1024) / 32, column j % 32.
    static (int C, int Y, int X) At(int j) => (j / 1024, j % 1024 / 32, j % 32);

    static ImageDataset Open(string folder, int size, DatasetKind kind = DatasetKind.Cifar10, DataSplit split = DataSplit.Train) =>
        new DatasetSpec { Kind = kind, Path = folder, ImageSize = size }.Open(split, patchSize: 1);

    static byte[] Channel(ImageDataset data, int c)
    {
        using var channel = data.Images.select(1, c).contiguous();
        return channel.data<byte>().ToArray();
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(8)]
    public void AConstantColourImageKeepsItsColour(int size)
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        byte[] colour = [200, 17, 90];
        CifarFiles.WriteCifar10Folder(temp.Path, pixel: (_, j) => colour[At(j).C]);

        using var data = Open(temp.Path, size);

        Assert.Equal([20L, 3, size, size], data.Images.shape);
        for (int c = 0; c < 3; c++)
            Assert.All(Channel(data, c), v => Assert.Equal(colour[c], v));
    }

    [Fact]
    public void TwoByTwoBlocksBecomeOnePixelEach()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        static byte Block(int record, int c, int y, int x) => (byte)((c * 37 + y * 11 + x * 3 + record) % 256);
        CifarFiles.WriteCifar10Folder(temp.Path, perBatch: 2, pixel: (r, j) =>
        {
            var (c, y, x) = At(j);
            return Block(r, c, y / 2, x / 2);
        });

        using var data = Open(temp.Path, 16);

        Assert.Equal([10L, 3, 16, 16], data.Images.shape);
        // Image 3 is record 1 of data_batch_2.
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    Assert.Equal(Block(1, c, y, x), data.Images[3, c, y, x].item<byte>());
    }

    [Fact]
    public void EachPixelIsTheMeanOfTheBlockItCovers()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        // Inside every 2×2 block: 0, 4 / 8, 12 (plus the channel), mean 6 + channel.
        CifarFiles.WriteCifar10Folder(temp.Path, perBatch: 1, pixel: (_, j) =>
        {
            var (c, y, x) = At(j);
            return (byte)((y % 2 * 2 + x % 2) * 4 + c);
        });

        using var data = Open(temp.Path, 16);

        for (int c = 0; c < 3; c++)
            Assert.All(Channel(data, c), v => Assert.Equal(6 + c, v));
        // The normalisation stays CIFAR-10's.
        Assert.Equal(CifarReader.Cifar10Mean, data.Mean);
        Assert.Equal(CifarReader.Cifar10Std, data.Std);
    }

    [Fact]
    public void Cifar100ShrinksTooAndKeepsItsLabels()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar100(temp.Combine("test.bin"), 0, 5);
        using var full = Open(temp.Path, 32, DatasetKind.Cifar100, DataSplit.Test);

        using var small = Open(temp.Path, 16, DatasetKind.Cifar100, DataSplit.Test);

        Assert.Equal([5L, 3, 16, 16], small.Images.shape);
        Assert.Equal(full.Labels, small.Labels);
        Assert.Equal(full.ClassNames, small.ClassNames);
    }

    [Fact]
    public void CifarIsNeverEnlarged()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Path);

        var error = Assert.Throws<DataException>(() => Open(temp.Path, 64));

        Assert.Equal("CIFAR images are 32×32 and are only ever shrunk; --image-size 64 is larger", error.Message);
    }
}
