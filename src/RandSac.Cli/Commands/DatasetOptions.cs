using System.CommandLine;
using RandSac.Data;

namespace RandSac.Cli.Commands;

/// <summary>The options that choose a dataset, shared by every command that reads one.</summary>
public sealed class DatasetOptions
{
    readonly Option<DatasetKind> _kind = new("--dataset")
    {
        Description = "synthetic (built in, no download), cifar10, cifar100, or folder (root/<class>/*.jpg|png, with train/ and val/ if present).",
        DefaultValueFactory = _ => DatasetKind.Synthetic,
    };

    readonly Option<DirectoryInfo?> _path = new("--data") { Description = "Folder of the dataset's files." };
    readonly Option<int> _imageSize;
    readonly Option<CifarLabels> _labels = new("--labels")
    {
        Description = "CIFAR-100 labels: fine (100 classes) or coarse (20 superclasses).",
        DefaultValueFactory = _ => CifarLabels.Fine,
    };
    readonly Option<int> _syntheticCount = new("--synthetic-count")
    {
        Description = "Training images of the synthetic dataset (its test split is a fifth of it).",
        DefaultValueFactory = _ => 5000,
    };

    public DatasetOptions(int defaultImageSize)
    {
        _imageSize = new Option<int>("--image-size")
        {
            Description = "Image size in pixels (square); CIFAR is 32, folders are resized and centre-cropped to it.",
            DefaultValueFactory = _ => defaultImageSize,
        };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_kind);
        command.Options.Add(_path);
        command.Options.Add(_imageSize);
        command.Options.Add(_labels);
        command.Options.Add(_syntheticCount);
    }

    public DatasetSpec Spec(ParseResult parse) => new()
    {
        Kind = parse.GetValue(_kind),
        Path = parse.GetValue(_path)?.FullName,
        ImageSize = parse.GetValue(_imageSize),
        Labels = parse.GetValue(_labels),
        SyntheticCount = parse.GetValue(_syntheticCount),
    };

    /// <summary>Opens a split after checking that the patch size divides the image size.</summary>
    public ImageDataset Open(ParseResult parse, int patchSize, DataSplit split = DataSplit.Train)
    {
        var spec = Spec(parse);
        DataChecks.RequirePositive(spec.ImageSize, "--image-size");
        DataChecks.RequireDivisible(spec.ImageSize, patchSize);
        return spec.Open(split);
    }
}
