using RandSac.Data;
namespace RandSac.Tests.Cli;

public sealed class DatasetCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void DescribesACifarFolder()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        string folder = _temp.Combine("cifar");
        CifarFiles.WriteCifar10Folder(folder, perBatch: 4, testRecords: 3);
        var result = CliRunner.Run("dataset", "--dataset", "cifar10", "--data", folder, "--split", "test");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("3 × 3×32×32", result.Out);
        Assert.Contains("load time", result.Out);
    }

    [Fact]
    public void DescribesTheSyntheticDataset()
    {
        var result = CliRunner.Run("dataset", "--synthetic-count", "50", "--image-size", "16");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("50 × 3×16×16", result.Out);
        Assert.Contains("circle", result.Out);
    }
}
