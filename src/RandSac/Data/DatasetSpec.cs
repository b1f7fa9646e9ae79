namespace RandSac.Data;

/// <summary>
/// Which dataset to read and how: one description shared by every command, saved with
/// checkpoints so an evaluation reads the data the model was trained on.
/// </summary>
public sealed record DatasetSpec
{
    public DatasetKind Kind { get; init; } = DatasetKind.Synthetic;

    /// <summary>Folder of the CIFAR batch files or the image-folder root; unused for synthetic data.</summary>
    public string? Path { get; init; }

    /// <summary>Square image size; CIFAR (32×32) is shrunk to it by area averaging when smaller.</summary>
    public int ImageSize { get; init; } = 32;

    public CifarLabels Labels { get; init; } = CifarLabels.Fine;

    /// <summary>Images per split of the synthetic dataset (training; the test split is a fifth of it).</summary>
    public int SyntheticCount { get; init; } = 5000;

    /// <summary>Seed of the synthetic dataset.</summary>
    public long SyntheticSeed { get; init; }

    /// <summary>Opens a split after checking, before any loading, that the patch size divides the images.</summary>
    public ImageDataset Open(DataSplit split, int patchSize)
    {
        DataChecks.RequirePositive(ImageSize, "--image-size");
        DataChecks.RequireDivisible(ImageSize, patchSize);
        return Open(split);
    }

    public ImageDataset Open(DataSplit split)
    {
        switch (Kind)
        {
            case DatasetKind.Synthetic:
                DataChecks.RequirePositive(SyntheticCount, "synthetic image count");
                int count = split == DataSplit.Train ? SyntheticCount : Math.Max(1, SyntheticCount / 5);
                return SyntheticDataset.Generate(split, count, ImageSize, SyntheticSeed);
            case DatasetKind.Cifar10:
            case DatasetKind.Cifar100:
                return OpenCifar(split);
            case DatasetKind.Folder:
                return ImageFolderReader.Load(FolderFor(split), ImageSize);
            default:
                throw new DataException($"unknown dataset kind {Kind}");
        }
    }

    ImageDataset OpenCifar(DataSplit split)
    {
        DataChecks.RequirePositive(ImageSize, "--image-size");
        if (ImageSize > CifarReader.ImageSize)
            throw new DataException($"CIFAR images are 32×32 and are only ever shrunk; --image-size {ImageSize} is larger");
        var cifar = CifarReader.Load(Kind == DatasetKind.Cifar10 ? CifarVariant.Cifar10 : CifarVariant.Cifar100,
            RequirePath(), split, Labels);
        if (ImageSize == CifarReader.ImageSize) return cifar;
        using (cifar) return AreaDownsampling.Shrink(cifar, ImageSize);
    }

    /// <summary>Short name for titles and logs, e.g. <c>cifar10</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string DisplayName => Kind.ToString().ToLowerInvariant();

    string RequirePath() =>
        Path ?? throw new DataException($"the {DisplayName} dataset needs --data PATH (the folder with its batch files)");

    /// <summary>
    /// Whether the test split holds images the train split does not: always, except for an image
    /// folder without <c>train/</c> and <c>val/</c>, whose root is both splits.
    /// </summary>
    public bool HasHeldOutTestSplit() =>
        Kind != DatasetKind.Folder || Path is null
        || (Directory.Exists(System.IO.Path.Combine(Path, "train")) && Directory.Exists(System.IO.Path.Combine(Path, "val")));

    /// <summary>An image folder with <c>train/</c> and <c>val/</c> uses those; otherwise the root is both splits.</summary>
    string FolderFor(DataSplit split)
    {
        string root = RequirePath();
        string sub = System.IO.Path.Combine(root, split == DataSplit.Train ? "train" : "val");
        return Directory.Exists(sub) ? sub : root;
    }
}
