using System.CommandLine;
using RandSac.Data;

namespace RandSac.Cli.Commands;

/// <summary>
/// The options that choose a dataset, shared by every command that reads one. They carry no
/// defaults of their own: what is not given comes from the base spec (a config file, a
/// checkpoint, or <see cref="DatasetSpec"/>'s defaults).
/// </summary>
public sealed class DatasetOptions
{
    readonly Option<DatasetKind?> _kind = new("--dataset")
    {
        Description = "synthetic (built in, the default; no download), cifar10, cifar100, or folder (root/<class>/*.jpg|png, with train/ and val/ if present).",
    };

    readonly Option<DirectoryInfo?> _path = new("--data") { Description = "Folder of the dataset's files." };

    readonly Option<int?> _imageSize = new("--image-size")
    {
        Description = "Image size in pixels, square (default 32); CIFAR (32) can be shrunk to it by area averaging, folders are resized and centre-cropped to it.",
    };

    readonly Option<CifarLabels?> _labels = new("--labels")
    {
        Description = "CIFAR-100 labels: fine (100 classes, the default) or coarse (20 superclasses).",
    };

    readonly Option<int?> _syntheticCount = new("--synthetic-count")
    {
        Description = "Training images of the synthetic dataset (default 5000; its test split is a fifth of it).",
    };

    readonly Option<long?> _syntheticSeed = new("--synthetic-seed") { Description = "Seed of the synthetic dataset's images (default 0)." };

    readonly Option<bool> _download = new("--download")
    {
        Description = "Download CIFAR-10/100 into --data if it is not there (checks the published checksum).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_kind);
        command.Options.Add(_path);
        command.Options.Add(_imageSize);
        command.Options.Add(_labels);
        command.Options.Add(_syntheticCount);
        command.Options.Add(_syntheticSeed);
        command.Options.Add(_download);
    }

    /// <summary>The base spec with every given option applied on top.</summary>
    public DatasetSpec Apply(ParseResult parse, DatasetSpec? baseSpec = null)
    {
        var spec = baseSpec ?? new DatasetSpec();
        var kind = parse.GetValue(_kind) ?? spec.Kind;
        // A different dataset kind starts from that kind's defaults, not the base's path.
        if (kind != spec.Kind) spec = new DatasetSpec { Kind = kind };
        spec = spec with
        {
            Path = parse.GetValue(_path)?.FullName ?? spec.Path,
            ImageSize = parse.GetValue(_imageSize) ?? spec.ImageSize,
            Labels = parse.GetValue(_labels) ?? spec.Labels,
            SyntheticCount = parse.GetValue(_syntheticCount) ?? spec.SyntheticCount,
            SyntheticSeed = parse.GetValue(_syntheticSeed) ?? spec.SyntheticSeed,
        };
        if (parse.GetValue(_download)) spec = Download(spec);
        return spec;
    }

    static DatasetSpec Download(DatasetSpec spec)
    {
        var variant = spec.Kind switch
        {
            DatasetKind.Cifar10 => CifarVariant.Cifar10,
            DatasetKind.Cifar100 => CifarVariant.Cifar100,
            _ => throw new UserInputException($"--download is for cifar10 and cifar100, not {spec.DisplayName}"),
        };
        string target = spec.Path ?? Path.GetFullPath("data");
        return spec with { Path = CifarDownloader.Ensure(variant, target, Console.Error.WriteLine) };
    }

}
