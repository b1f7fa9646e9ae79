using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using RandSac.Data.Augmentation;
using SkiaSharp;

namespace RandSac.Data;

/// <summary>
/// Reads an ImageNet-style folder, <c>root/&lt;class&gt;/…/*.jpg|jpeg|png</c>: one class per
/// sub-folder of <c>root</c> (sorted by ordinal name; hidden folders and files directly in
/// <c>root</c> are ignored), images found recursively inside it. Each image is decoded with
/// SkiaSharp to RGB, its centred square of side min(width, height) is resampled to size×size
/// (antialiased bilinear: the same as resizing the shorter side to size and centre-cropping,
/// without rounding in between). Any other non-hidden file in a class folder is an error.
/// <para>
/// The decoded dataset is cached in one file (see <see cref="ImageFolderOptions.CacheDirectory"/>)
/// keyed on the full root path, the size, and every image's relative path, length and
/// modification time, so a second load reads it back instead of decoding, and any change to
/// the folder makes a new cache entry. The file ends with an XxHash128 of the pixels; a cache
/// whose pixels do not match it is decoded again.
/// </para>
/// <para>
/// Mean and std are measured on the loaded images (not ImageNet's constants), so small or
/// unusual folders are normalised by their own statistics; they are cached with the pixels.
/// </para>
/// </summary>
public static class ImageFolderReader
{
    public const int Channels = 3;
    public const string CacheDirectoryVariable = "RANDSAC_CACHE_DIR";

    static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];
    const string CacheMagic = "RSACIMG2";

    /// <summary>
    /// The largest image decoded, checked from the header before any pixel is allocated: Pillow's
    /// limit (about 89 megapixels, 341 MB as RGBA), above which it also suspects a decompression bomb.
    /// </summary>
    public const long MaxPixels = 89_478_485;

    /// <summary>The cache folder used when none is given.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            string? explicitDirectory = Environment.GetEnvironmentVariable(CacheDirectoryVariable);
            if (!string.IsNullOrWhiteSpace(explicitDirectory))
            {
                return explicitDirectory;
            }
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseDirectory = !string.IsNullOrWhiteSpace(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDirectory, "randsac", "image-folders");
        }
    }

    /// <summary>Loads <paramref name="root"/> as <paramref name="imageSize"/>² RGB images.</summary>
    public static ImageDataset Load(string root, int imageSize, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (imageSize < 1)
        {
            throw new DataException($"image size {imageSize} must be at least 1");
        }
        string fullRoot = Path.GetFullPath(root);
        var (classNames, files) = Scan(fullRoot);
        string name = Path.GetFileName(fullRoot.TrimEnd(Path.DirectorySeparatorChar)) + $"-{imageSize}px";

        byte[] key = CacheKey(fullRoot, imageSize, files);
        string? cachePath = options.UseCache
            ? Path.Combine(options.CacheDirectory ?? DefaultCacheDirectory, $"{Sanitize(name)}-{Convert.ToHexString(key, 0, 8).ToLowerInvariant()}.bin")
            : null;

        if (cachePath is not null && TryReadCache(cachePath, key, name, files.Count, imageSize, classNames, options.Log) is { } cached)
        {
            options.Log?.Invoke($"{fullRoot}: {cached.Count} images read from cache {cachePath}");
            return cached;
        }

        options.Log?.Invoke($"{fullRoot}: decoding {files.Count} images to {imageSize}x{imageSize}");
        var dataset = Decode(name, files, imageSize, classNames);
        if (cachePath is not null)
        {
            try
            {
                WriteCache(cachePath, key, dataset);
                options.Log?.Invoke($"{fullRoot}: cached decoded images in {cachePath}");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // A cache that cannot be written only costs time on the next load.
                options.Log?.Invoke($"{cachePath}: could not write cache ({exception.Message})");
            }
        }
        return dataset;
    }

    internal sealed record ImageFile(string Path, string RelativePath, int Label, long Length, DateTime Modified);

    static (string[] ClassNames, List<ImageFile> Files) Scan(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DataException($"{root}: folder not found; expected an image folder laid out as root/<class>/<image>.jpg|jpeg|png");
        }
        string[] classDirectories = Directory.GetDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToArray();
        if (classDirectories.Length == 0)
        {
            throw new DataException($"{root}: no class folders; expected root/<class>/<image>.jpg|jpeg|png");
        }

        var files = new List<ImageFile>();
        for (int label = 0; label < classDirectories.Length; label++)
        {
            string directory = classDirectories[label];
            var found = new List<string>();
            foreach (string path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(directory, path);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                {
                    continue;
                }
                if (!ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
                {
                    throw new DataException($"{path}: not an image file (expected .jpg, .jpeg or .png in class folders)");
                }
                found.Add(path);
            }
            if (found.Count == 0)
            {
                throw new DataException($"{directory}: class folder has no images (.jpg, .jpeg or .png)");
            }
            found.Sort(StringComparer.Ordinal);
            foreach (string path in found)
            {
                var info = new FileInfo(path);
                files.Add(new ImageFile(path, Path.GetRelativePath(root, path), label, info.Length, info.LastWriteTimeUtc));
            }
        }
        return (classDirectories.Select(d => Path.GetFileName(d)).ToArray(), files);
    }

    static ImageDataset Decode(string name, List<ImageFile> files, int size, string[] classNames)
    {
        int imageBytes = Channels * size * size;
        var images = TensorMemory.EmptyBytes(files.Count, Channels, size, size);
        try
        {
            IntPtr target = TensorMemory.BaseAddress(images);
            var errors = new DataException?[files.Count];
            Parallel.For(0, files.Count,
                () => (Resampler: new Resampler(), Buffer: new float[imageBytes]),
                (i, _, scratch) =>
                {
                    try
                    {
                        DecodeInto(files[i].Path, size, scratch.Resampler, scratch.Buffer,
                            TensorMemory.Bytes(target, (long)i * imageBytes, imageBytes));
                    }
                    catch (DataException exception)
                    {
                        errors[i] = exception;
                    }
                    return scratch;
                },
                _ => { });
            // Report the first bad file in folder order, whatever order the threads ran in.
            if (errors.FirstOrDefault(e => e is not null) is { } error)
            {
                throw error;
            }

            var statistics = new PixelStatistics(Channels);
            for (int i = 0; i < files.Count; i++)
            {
                statistics.Add(TensorMemory.Bytes(target, (long)i * imageBytes, imageBytes));
            }
            var (mean, std) = statistics.Result();
            return new ImageDataset(name, images, files.Select(f => f.Label).ToArray(), classNames, mean, std);
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    static void DecodeInto(string path, int size, Resampler resampler, float[] buffer, Span<byte> target)
    {
        using var codec = SKCodec.Create(path, out SKCodecResult openResult);
        if (codec is null)
        {
            throw new DataException($"{path}: not a readable image ({openResult})");
        }
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0)
        {
            throw new DataException($"{path}: image has no pixels");
        }
        if ((long)width * height > MaxPixels)
        {
            throw new DataException($"{path}: {width}×{height} pixels is more than the {MaxPixels:N0} an image may have (a decompression bomb?)");
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.IncompleteInput)
        {
            throw new DataException($"{path}: the image is truncated (its data ends before its last row)");
        }
        if (result != SKCodecResult.Success)
        {
            throw new DataException($"{path}: could not decode image ({result})");
        }

        int side = Math.Min(width, height);
        var layout = PixelLayout.Interleaved(Channels, height, width, 4, bitmap.RowBytes);
        ReadOnlySpan<float> one = [1f, 1f, 1f];
        ReadOnlySpan<float> zero = [0f, 0f, 0f];
        resampler.Resample(bitmap.GetPixelSpan(), layout, CropBox.Whole(height, width),
            (width - side) / 2.0, (height - side) / 2.0, side, side, size, size, flip: false, one, zero, buffer);
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = (byte)Math.Clamp((int)MathF.Round(buffer[i]), 0, 255);
        }
    }

    static byte[] CacheKey(string root, int size, List<ImageFile> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add(CacheMagic);
        Add(root);
        Add(size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var file in files)
        {
            Add($"{file.Label}|{file.RelativePath}|{file.Length}|{file.Modified.Ticks}");
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Bytes of the XxHash128 of the pixels that ends a cache file.</summary>
    const int PixelHashBytes = 16;

    static ImageDataset? TryReadCache(string path, byte[] key, string name, int count, int size, string[] classNames, Action<string>? log)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (Encoding.ASCII.GetString(reader.ReadBytes(CacheMagic.Length)) != CacheMagic
                || !reader.ReadBytes(key.Length).AsSpan().SequenceEqual(key)
                || reader.ReadInt32() != count || reader.ReadInt32() != Channels
                || reader.ReadInt32() != size || reader.ReadInt32() != size
                || reader.ReadInt32() != classNames.Length)
            {
                return null;
            }
            var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                labels[i] = reader.ReadInt32();
                if ((uint)labels[i] >= (uint)classNames.Length)
                {
                    return null;
                }
            }
            var mean = new float[Channels];
            var std = new float[Channels];
            for (int c = 0; c < Channels; c++)
            {
                mean[c] = reader.ReadSingle();
                std[c] = reader.ReadSingle();
            }
            int imageBytes = Channels * size * size;
            if (stream.Length - stream.Position != (long)count * imageBytes + PixelHashBytes)
            {
                return null;
            }
            var images = TensorMemory.EmptyBytes(count, Channels, size, size);
            try
            {
                IntPtr target = TensorMemory.BaseAddress(images);
                var hash = new XxHash128();
                for (int i = 0; i < count; i++)
                {
                    var pixels = TensorMemory.Bytes(target, (long)i * imageBytes, imageBytes);
                    stream.ReadExactly(pixels);
                    hash.Append(pixels);
                }
                if (!reader.ReadBytes(PixelHashBytes).AsSpan().SequenceEqual(hash.GetCurrentHash()))
                {
                    // Damaged pixels would train silently; decode the images again instead.
                    log?.Invoke($"{path}: cached pixels are damaged (checksum mismatch); decoding the images again");
                    images.Dispose();
                    return null;
                }
                return new ImageDataset(name, images, labels, classNames, mean, std);
            }
            catch
            {
                images.Dispose();
                throw;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A damaged or unreadable cache is rebuilt from the images.
            return null;
        }
    }

    static void WriteCache(string path, byte[] key, ImageDataset dataset)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written under a temporary name and moved into place, so a reader never sees half a file.
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = File.Create(temporary))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8))
            {
                writer.Write(Encoding.ASCII.GetBytes(CacheMagic));
                writer.Write(key);
                writer.Write(dataset.Count);
                writer.Write(dataset.Channels);
                writer.Write(dataset.Height);
                writer.Write(dataset.Width);
                writer.Write(dataset.ClassNames.Length);
                foreach (int label in dataset.Labels)
                {
                    writer.Write(label);
                }
                for (int c = 0; c < dataset.Channels; c++)
                {
                    writer.Write(dataset.Mean[c]);
                    writer.Write(dataset.Std[c]);
                }
                writer.Flush();
                var hash = new XxHash128();
                for (int i = 0; i < dataset.Count; i++)
                {
                    stream.Write(dataset.GetPixels(i));
                    hash.Append(dataset.GetPixels(i));
                }
                stream.Write(hash.GetCurrentHash());
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    static string Sanitize(string text) =>
        new(text.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
}
