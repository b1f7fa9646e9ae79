namespace RandSac.Data;

/// <summary>
/// Reads the CIFAR-10 and CIFAR-100 "binary version" files into an <see cref="ImageDataset"/>.
/// CIFAR-10: <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> and <c>test_batch.bin</c>, each
/// record 1 label byte and 3,072 pixel bytes (1,024 red, then green, then blue, 32×32 row-major).
/// CIFAR-100: <c>train.bin</c> and <c>test.bin</c>, each record a coarse label byte, a fine
/// label byte and 3,072 pixel bytes.
/// </summary>
public static class CifarReader
{
    public const int ImageSize = 32;
    public const int Channels = 3;
    public const int PixelBytes = Channels * ImageSize * ImageSize;

    /// <summary>Folder name inside the official CIFAR-10 binary tarball.</summary>
    public const string Cifar10FolderName = "cifar-10-batches-bin";

    /// <summary>Folder name inside the official CIFAR-100 binary tarball.</summary>
    public const string Cifar100FolderName = "cifar-100-binary";

    /// <summary>The published per-channel mean of the CIFAR-10 training images.</summary>
    public static float[] Cifar10Mean => [0.49139968f, 0.48215841f, 0.44653091f];

    /// <summary>The published per-channel standard deviation of the CIFAR-10 training images.</summary>
    public static float[] Cifar10Std => [0.24703223f, 0.24348513f, 0.26158784f];

    /// <summary>The published per-channel mean of the CIFAR-100 training images.</summary>
    public static float[] Cifar100Mean => [0.5071f, 0.4865f, 0.4409f];

    /// <summary>The published per-channel standard deviation of the CIFAR-100 training images.</summary>
    public static float[] Cifar100Std => [0.2673f, 0.2564f, 0.2762f];

    /// <summary>
    /// Records in each file of a split as published: every CIFAR-10 batch holds 10,000; CIFAR-100's
    /// <c>train.bin</c> 50,000 and <c>test.bin</c> 10,000. A file cut at a record boundary is
    /// otherwise indistinguishable from a whole one.
    /// </summary>
    public static int PublishedRecords(CifarVariant variant, DataSplit split) =>
        variant == CifarVariant.Cifar100 && split == DataSplit.Train ? 50_000 : 10_000;

    static readonly AsyncLocal<bool> AnyRecordCount = new();

    /// <summary>Until disposed, files with any whole number of records are read (tests write small ones).</summary>
    internal static IDisposable AcceptingAnyRecordCount()
    {
        AnyRecordCount.Value = true;
        return new RecordCountScope();
    }

    sealed class RecordCountScope : IDisposable
    {
        public void Dispose() => AnyRecordCount.Value = false;
    }

    /// <summary>The file names that make up a split.</summary>
    public static string[] SplitFiles(CifarVariant variant, DataSplit split) => (variant, split) switch
    {
        (CifarVariant.Cifar10, DataSplit.Train) => ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
        (CifarVariant.Cifar10, DataSplit.Test) => ["test_batch.bin"],
        (CifarVariant.Cifar100, DataSplit.Train) => ["train.bin"],
        (CifarVariant.Cifar100, DataSplit.Test) => ["test.bin"],
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>
    /// Loads a CIFAR-10 split from <paramref name="folder"/>, which holds the batch files
    /// directly or inside a <c>cifar-10-batches-bin</c> sub-folder.
    /// </summary>
    public static ImageDataset LoadCifar10(string folder, DataSplit split) =>
        Load(CifarVariant.Cifar10, folder, split, CifarLabels.Fine);

    /// <summary>
    /// Loads a CIFAR-100 split from <paramref name="folder"/>, which holds <c>train.bin</c>/<c>test.bin</c>
    /// directly or inside a <c>cifar-100-binary</c> sub-folder, labelled with the fine or coarse classes.
    /// </summary>
    public static ImageDataset LoadCifar100(string folder, DataSplit split, CifarLabels labels = CifarLabels.Fine) =>
        Load(CifarVariant.Cifar100, folder, split, labels);

    /// <summary>Loads either CIFAR variant; see <see cref="LoadCifar10"/> and <see cref="LoadCifar100"/>.</summary>
    public static ImageDataset Load(CifarVariant variant, string folder, DataSplit split, CifarLabels labels = CifarLabels.Fine)
    {
        string[] fileNames = SplitFiles(variant, split);
        string dataFolder = ResolveFolder(variant, folder, fileNames[0]);
        string[] paths = fileNames.Select(f => Path.Combine(dataFolder, f)).ToArray();

        int headerBytes = variant == CifarVariant.Cifar10 ? 1 : 2;
        int recordBytes = headerBytes + PixelBytes;
        // The label byte to use: CIFAR-100 records start with the coarse label, then the fine one.
        int labelOffset = variant == CifarVariant.Cifar100 && labels == CifarLabels.Fine ? 1 : 0;
        int classCount = variant == CifarVariant.Cifar10 ? 10 : labels == CifarLabels.Fine ? 100 : 20;

        // Check every file's size before allocating, so a bad file fails fast and cleanly.
        var recordCounts = new int[paths.Length];
        for (int f = 0; f < paths.Length; f++)
        {
            if (!File.Exists(paths[f]))
            {
                throw new DataException($"{paths[f]}: file not found; expected the {Describe(variant)} binary files {string.Join(", ", fileNames)} in {dataFolder}");
            }
            // The opened file's length: FileInfo would give a symbolic link's own size.
            long length;
            using (var file = File.OpenRead(paths[f]))
            {
                length = file.Length;
            }
            if (length == 0 || length % recordBytes != 0)
            {
                throw new DataException($"{paths[f]}: {length} bytes is not a whole number of {recordBytes}-byte records (truncated or not a {Describe(variant)} binary file)");
            }
            recordCounts[f] = checked((int)(length / recordBytes));
            int published = PublishedRecords(variant, split);
            if (recordCounts[f] != published && !AnyRecordCount.Value)
            {
                throw new DataException($"{paths[f]}: {recordCounts[f]} records, but this {Describe(variant)} file holds {published} (truncated or not the published file)");
            }
        }

        int total = recordCounts.Sum();
        var images = TensorMemory.EmptyBytes(total, Channels, ImageSize, ImageSize);
        try
        {
            IntPtr target = TensorMemory.BaseAddress(images);
            var labelValues = new int[total];
            // One file buffer, reused: the files are read whole and their pixels copied once into the tensor.
            var bytes = new byte[recordCounts.Max() * recordBytes];
            int next = 0;
            for (int f = 0; f < paths.Length; f++)
            {
                using (var stream = new FileStream(paths[f], FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
                {
                    try
                    {
                        stream.ReadExactly(bytes, 0, recordCounts[f] * recordBytes);
                    }
                    catch (EndOfStreamException)
                    {
                        throw new DataException($"{paths[f]}: shorter than {recordCounts[f] * recordBytes} bytes; it changed while being read");
                    }
                }
                for (int r = 0; r < recordCounts[f]; r++, next++)
                {
                    int offset = r * recordBytes;
                    int label = bytes[offset + labelOffset];
                    if (label >= classCount)
                    {
                        throw new DataException($"{paths[f]}: record {r} has {(variant == CifarVariant.Cifar100 ? (labels == CifarLabels.Fine ? "fine " : "coarse ") : "")}label {label}, outside 0..{classCount - 1}");
                    }
                    labelValues[next] = label;
                    bytes.AsSpan(offset + headerBytes, PixelBytes)
                        .CopyTo(TensorMemory.Bytes(target, (long)next * PixelBytes, PixelBytes));
                }
            }

            string[] classNames = ReadClassNames(variant, dataFolder, labels, classCount);
            string name = (variant == CifarVariant.Cifar10 ? "cifar10" : labels == CifarLabels.Fine ? "cifar100" : "cifar100-coarse")
                + (split == DataSplit.Train ? "-train" : "-test");
            return variant == CifarVariant.Cifar10
                ? new ImageDataset(name, images, labelValues, classNames, Cifar10Mean, Cifar10Std)
                : new ImageDataset(name, images, labelValues, classNames, Cifar100Mean, Cifar100Std);
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The folder that actually holds the files: <paramref name="folder"/> itself, or its
    /// official sub-folder (so both the extraction root and the data folder are accepted).
    /// </summary>
    internal static string ResolveFolder(CifarVariant variant, string folder, string probeFile)
    {
        string subFolder = variant == CifarVariant.Cifar10 ? Cifar10FolderName : Cifar100FolderName;
        if (!Directory.Exists(folder))
        {
            throw new DataException($"{folder}: folder not found; expected the {Describe(variant)} binary files there or in {Path.Combine(folder, subFolder)} (use --download to fetch them)");
        }
        if (!File.Exists(Path.Combine(folder, probeFile)) && Directory.Exists(Path.Combine(folder, subFolder)))
        {
            return Path.Combine(folder, subFolder);
        }
        return folder;
    }

    static string[] ReadClassNames(CifarVariant variant, string folder, CifarLabels labels, int classCount)
    {
        string fileName = variant == CifarVariant.Cifar10 ? "batches.meta.txt"
            : labels == CifarLabels.Fine ? "fine_label_names.txt" : "coarse_label_names.txt";
        string path = Path.Combine(folder, fileName);
        if (File.Exists(path))
        {
            string[] names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            if (names.Length == classCount)
            {
                return names;
            }
        }
        // Names are only for display; a missing or odd names file should not stop training.
        return Enumerable.Range(0, classCount).Select(i => $"class {i}").ToArray();
    }

    static string Describe(CifarVariant variant) => variant == CifarVariant.Cifar10 ? "CIFAR-10" : "CIFAR-100";
}
