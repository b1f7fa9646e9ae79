using RandSac.Data;
using RandSac.Training;

namespace RandSac.Tests.Training;

public class ConfigFileTests
{
    static string RepositoryFolder()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "RandSac.slnx"))) folder = folder.Parent;
        return folder?.FullName ?? throw new DirectoryNotFoundException("RandSac.slnx not found above the test folder");
    }

    public static TheoryData<string> ConfigFiles => new(Directory
        .GetFiles(Path.Combine(RepositoryFolder(), "configs"), "*.json").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(ConfigFiles))]
    public void ShippedConfigsLoadAndValidate(string file)
    {
        var config = PretrainConfig.Load(Path.Combine(RepositoryFolder(), "configs", file)).Validated();
        Assert.Equal(DatasetKind.Cifar10, config.Dataset.Kind);
        config.ModelOptions(3, config.Dataset.ImageSize);
    }

    [Fact]
    public void TheTinyRecipeIsThePapers()
    {
        var config = PretrainConfig.Load(Path.Combine(RepositoryFolder(), "configs", "cifar10-vit-tiny.json"));
        Assert.Equal(("tiny", "square:2", "hier:4", 512, 800, 1e-3), (config.Model, config.Segments, config.Order, config.Batch, config.Epochs, config.BaseLr));
    }

    [Fact]
    public void UnknownSettingsAreRejectedWithTheFileName()
    {
        string path = Path.Combine(Path.GetTempPath(), $"randsac-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ \"epochz\": 3 }");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => PretrainConfig.Load(path));
            Assert.Contains(Path.GetFileName(path), error.Message);
            Assert.Contains("epochz", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ConfigsRoundTripThroughJson()
    {
        var config = new PretrainConfig { Model = "tiny", Segments = "blob:7", ClipGrad = 3, Dataset = new DatasetSpec { Kind = DatasetKind.Cifar100, Labels = CifarLabels.Coarse } };
        Assert.Equal(config, PretrainConfig.FromJson(config.ToJson()));
    }

    [Fact]
    public void ARunsSavedConfigCanBeUsedAsAConfigFile()
    {
        var config = new PretrainConfig { Model = "tiny", Accumulation = 2 };
        string json = config.ToJson();
        Assert.DoesNotContain("effective-batch", json);
        Assert.DoesNotContain("display-name", json);
        string path = Path.Combine(Path.GetTempPath(), $"randsac-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            Assert.Equal(config, PretrainConfig.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
