using RandSac.Data;
using RandSac.Models;
using RandSac.Plans;
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

    /// <summary>configs/*.json, not subfolders.</summary>
    static List<string> ConfigFileNames() => Directory
        .GetFiles(Path.Combine(RepositoryFolder(), "configs"), "*.json", SearchOption.TopDirectoryOnly).Select(f => Path.GetFileName(f)).Order().ToList();

    public static TheoryData<string> ConfigFiles => new(ConfigFileNames());

    static PretrainConfig Shipped(string file) => PretrainConfig.Load(Path.Combine(RepositoryFolder(), "configs", file));

    [Theory]
    [MemberData(nameof(ConfigFiles))]
    public void ShippedConfigsLoadAndValidate(string file)
    {
        var config = Shipped(file).Validated();
        Assert.Equal(DatasetKind.Cifar10, config.Dataset.Kind);
        var options = config.ModelOptions(3, config.Dataset.ImageSize);
        (options.Decoder ?? new DecoderConfig()).Resolve(options.Encoder);
        PlanSampler.Parse(config.Segments, config.Order, options.Encoder.Grid);
        // Every recipe spells out the optimiser rather than leaning on the code's defaults.
        string text = File.ReadAllText(Path.Combine(RepositoryFolder(), "configs", file));
        foreach (var key in new[] { "\"epochs\"", "\"batch\"", "\"base-lr\"", "\"min-lr\"", "\"warmup-epochs\"", "\"weight-decay\"", "\"beta1\"", "\"beta2\"", "\"skip\"", "\"norm-pix-loss\"" })
            Assert.Contains(key, text);
    }

    /// <summary>Table 14 (appendix C.1.1): the settings shared by every CIFAR-10 ViT-T experiment of §3.</summary>
    static void AssertTable14Optimiser(PretrainConfig config)
    {
        Assert.Equal(("tiny", 4, "randsac", 4), (config.Model, config.Patch, config.Method, config.DecoderDepth));
        Assert.Equal((512, 1e-3, 10.0, 0.05, 0.9, 0.95), (config.Batch, config.BaseLr, config.WarmupEpochs, config.WeightDecay, config.Beta1, config.Beta2));
    }

    [Fact]
    public void TheAblationRecipeIsTable14ForTables1To6()
    {
        var config = Shipped("cifar10-vit-tiny-ablation.json");
        AssertTable14Optimiser(config);
        Assert.Equal((800, false, false), (config.Epochs, config.NormPixLoss, config.Skip));
        Assert.Equal(("square:2", "hier:4"), (config.Segments, config.Order));
    }

    [Fact]
    public void TheTable10RecipeIsTheBlobHierarchyWithNormPixSkipAnd1600Epochs()
    {
        var config = Shipped("cifar10-vit-tiny-table10.json");
        AssertTable14Optimiser(config);
        Assert.Equal((1600, true, true), (config.Epochs, config.NormPixLoss, config.Skip));
        Assert.Equal(("blob:11", "hier:5"), (config.Segments, config.Order));
    }

    [Fact]
    public void TheLowDataRecipeIsAppendixD1()
    {
        var config = Shipped("cifar10-low-data-vit-small.json");
        Assert.Equal(("small", 4, "randsac", 6, (int?)null, (int?)null), (config.Model, config.Patch, config.Method, config.DecoderDepth, config.DecoderDim, config.DecoderHeads));
        Assert.Equal((1600, true, true), (config.Epochs, config.NormPixLoss, config.Skip));
        Assert.Equal((512, 1e-3, 10.0, 0.05, 0.9, 0.95), (config.Batch, config.BaseLr, config.WarmupEpochs, config.WeightDecay, config.Beta1, config.Beta2));
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
