using RandSac.Data;

namespace RandSac.Tests.Data;

public class CifarReaderTests
{
    [Fact]
    public void Cifar10TrainSplitConcatenatesTheFiveBatchesInOrder()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Path, perBatch: 4);
        File.WriteAllLines(temp.Combine("batches.meta.txt"),
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", ""]);

        using var data = CifarReader.LoadCifar10(temp.Path, DataSplit.Train);

        Assert.Equal(20, data.Count);
        Assert.Equal([20L, 3, 32, 32], data.Images.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Byte, data.Images.dtype);
        Assert.Equal("truck", data.ClassNames[9]);
        // Record 2 of data_batch_3 is image 4·2 + 2 = 10; its label byte is (2 + 3) % 10.
        Assert.Equal(5, data.Labels[10]);
        // Channel-planar: byte j of the record is channel j / 1024, row (j % 1024) / 32, column j % 32.
        Assert.Equal(CifarFiles.Pixel(3, 2, 0), data.Images[10, 0, 0, 0].item<byte>());
        Assert.Equal(CifarFiles.Pixel(3, 2, 1024 + 5 * 32 + 7), data.Images[10, 1, 5, 7].item<byte>());
        Assert.Equal(CifarFiles.Pixel(3, 2, 2048 + 31 * 32 + 31), data.GetPixels(10)[3071]);
        Assert.Equal(CifarReader.Cifar10Mean, data.Mean);
        Assert.Equal(CifarReader.Cifar10Std, data.Std);
    }

    [Fact]
    public void Cifar10TestSplitAndParentFolderAreAccepted()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Combine("cifar-10-batches-bin"), perBatch: 2, testRecords: 3);

        using var data = CifarReader.LoadCifar10(temp.Path, DataSplit.Test);

        Assert.Equal(3, data.Count);
        Assert.Equal([0, 1, 2], data.Labels);
        Assert.Equal("class 0", data.ClassNames[0]);
        Assert.Equal(CifarFiles.Pixel(0, 1, 0), data.GetPixels(1)[0]);
    }

    [Fact]
    public void Cifar100ReadsFineOrCoarseLabelsAndTheirNames()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar100(temp.Combine("train.bin"), 1, 6);
        File.WriteAllLines(temp.Combine("coarse_label_names.txt"), Enumerable.Range(0, 20).Select(i => $"super{i}"));

        using var fine = CifarReader.LoadCifar100(temp.Path, DataSplit.Train, CifarLabels.Fine);
        using var coarse = CifarReader.LoadCifar100(temp.Path, DataSplit.Train, CifarLabels.Coarse);

        Assert.Equal([0, 3, 6, 9, 12, 15], fine.Labels);
        Assert.Equal([0, 1, 2, 3, 4, 5], coarse.Labels);
        Assert.Equal(100, fine.ClassNames.Length);
        Assert.Equal("class 99", fine.ClassNames[99]);
        Assert.Equal("super4", coarse.ClassNames[4]);
        // Both label bytes are skipped: the first pixel is the third byte of the record.
        Assert.Equal(CifarFiles.Pixel(1, 5, 0), fine.GetPixels(5)[0]);
        Assert.Equal(CifarReader.Cifar100Mean, fine.Mean);
    }

    [Fact]
    public void TruncatedBatchNamesTheFileAndItsSize()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Path, perBatch: 10);
        string path = temp.Combine("data_batch_3.bin");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]);

        var error = Assert.Throws<DataException>(() => CifarReader.LoadCifar10(temp.Path, DataSplit.Train));

        Assert.Contains("data_batch_3.bin: 30729 bytes is not a whole number of 3073-byte records", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(DataSplit.Train, "data_batch_1.bin", 4)]
    [InlineData(DataSplit.Test, "test_batch.bin", 1000)]
    public void AFileCutAtARecordBoundaryIsRefused(DataSplit split, string file, int records)
    {
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Path, perBatch: 4, testRecords: 1000);

        var error = Assert.Throws<DataException>(() => CifarReader.LoadCifar10(temp.Path, split));

        Assert.Contains($"{file}: {records} records, but this CIFAR-10 file holds 10000", error.Message);
    }

    [Fact]
    public void Cifar100TrainingFileMustHoldFiftyThousandRecords()
    {
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar100(temp.Combine("train.bin"), 0, 10_000);

        var error = Assert.Throws<DataException>(() => CifarReader.LoadCifar100(temp.Path, DataSplit.Train));

        Assert.Contains("train.bin: 10000 records, but this CIFAR-100 file holds 50000", error.Message);
    }

    [Fact]
    public void ASymbolicLinkIsReadAsTheFileItPointsTo()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10(temp.Combine("elsewhere.bin"), 0, 3);
        Directory.CreateDirectory(temp.Combine("linked"));
        File.CreateSymbolicLink(temp.Combine("linked", "test_batch.bin"), temp.Combine("elsewhere.bin"));

        using var test = CifarReader.LoadCifar10(temp.Combine("linked"), DataSplit.Test);

        Assert.Equal(3, test.Count);
    }

    [Fact]
    public void APublishedSizeFileIsRead()
    {
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10(temp.Combine("test_batch.bin"), 0, CifarReader.PublishedRecords(CifarVariant.Cifar10, DataSplit.Test));

        using var test = CifarReader.LoadCifar10(temp.Path, DataSplit.Test);

        Assert.Equal(10_000, test.Count);
    }

    [Fact]
    public void Cifar100RecordSizeIsChecked()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        // A CIFAR-10 file where CIFAR-100 is expected: 3073-byte records are not 3074-byte ones.
        CifarFiles.WriteCifar10(temp.Combine("test.bin"), 0, 2);

        var error = Assert.Throws<DataException>(() => CifarReader.LoadCifar100(temp.Path, DataSplit.Test));

        Assert.Contains("test.bin: 6146 bytes is not a whole number of 3074-byte records", error.Message);
    }

    [Fact]
    public void LabelOutOfRangeNamesFileAndRecord()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Path, perBatch: 5);
        CifarFiles.WriteCifar10(temp.Combine("data_batch_2.bin"), 2, 5, r => r == 3 ? 12 : 0);

        var error = Assert.Throws<DataException>(() => CifarReader.LoadCifar10(temp.Path, DataSplit.Train));

        Assert.Contains("data_batch_2.bin: record 3 has label 12, outside 0..9", error.Message);
    }

    [Fact]
    public void CoarseLabelOutOfRangeNamesFileAndRecord()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar100(temp.Combine("train.bin"), 0, 4, coarse: r => r == 2 ? 20 : 1);

        using var fine = CifarReader.LoadCifar100(temp.Path, DataSplit.Train, CifarLabels.Fine);
        var error = Assert.Throws<DataException>(() => CifarReader.LoadCifar100(temp.Path, DataSplit.Train, CifarLabels.Coarse));

        Assert.Contains("train.bin: record 2 has coarse label 20, outside 0..19", error.Message);
    }

    [Fact]
    public void MissingFileAndFolderAreNamed()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Path);
        File.Delete(temp.Combine("data_batch_4.bin"));

        var missingFile = Assert.Throws<DataException>(() => CifarReader.LoadCifar10(temp.Path, DataSplit.Train));
        var missingFolder = Assert.Throws<DataException>(() => CifarReader.LoadCifar10(temp.Combine("nowhere"), DataSplit.Train));

        Assert.Contains("data_batch_4.bin: file not found", missingFile.Message);
        Assert.Contains(temp.Combine("nowhere") + ": folder not found", missingFolder.Message);
    }
}
