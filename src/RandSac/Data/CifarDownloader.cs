using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace RandSac.Data;

/// <summary>
/// Fetches the official CIFAR binary tarballs, checks their published MD5 and extracts them,
/// giving <c>target/cifar-10-batches-bin/</c> or <c>target/cifar-100-binary/</c>, which
/// <see cref="CifarReader"/> accepts as they are (or via <c>target</c>). When the files are
/// already there nothing is downloaded. Any failure becomes a one-line <see cref="DataException"/>
/// that says where to put the files by hand.
/// </summary>
public static class CifarDownloader
{
    public const string Cifar10Url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    public const string Cifar10Md5 = "c32a1d4ab5d03f1284b67883e8d87530";
    public const string Cifar100Url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";
    public const string Cifar100Md5 = "03b5dce01913d631647c71ecec9e9cb8";

    /// <summary>
    /// Makes sure <paramref name="variant"/> is present under <paramref name="targetFolder"/>
    /// (downloading and extracting it if not) and returns the folder that holds its files.
    /// <paramref name="handler"/> replaces the network (for proxies or tests).
    /// </summary>
    public static string Ensure(CifarVariant variant, string targetFolder, Action<string>? log = null, HttpMessageHandler? handler = null)
    {
        var (url, md5) = variant == CifarVariant.Cifar10 ? (Cifar10Url, Cifar10Md5) : (Cifar100Url, Cifar100Md5);
        return Ensure(variant, targetFolder, new Uri(url), md5, log, handler);
    }

    internal static string Ensure(CifarVariant variant, string targetFolder, Uri url, string expectedMd5,
        Action<string>? log, HttpMessageHandler? handler)
    {
        string dataFolder = Path.Combine(targetFolder, DataFolderName(variant));
        if (IsComplete(variant, dataFolder))
        {
            return dataFolder;
        }

        string archive = Path.Combine(targetFolder, Path.GetFileName(url.LocalPath));
        string partial = archive + ".part";
        try
        {
            Directory.CreateDirectory(targetFolder);
            log?.Invoke($"downloading {url} to {archive}");
            Download(url, partial, handler);
            VerifyMd5(partial, expectedMd5);
            File.Move(partial, archive, overwrite: true);
            log?.Invoke($"extracting {archive} into {targetFolder}");
            Extract(archive, targetFolder);
            File.Delete(archive);
        }
        catch (DataException exception)
        {
            throw new DataException($"{exception.Message}; {ManualInstructions(variant, url, targetFolder)}", exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or UnauthorizedAccessException
            or TaskCanceledException or InvalidDataException)
        {
            throw new DataException($"could not download {url} ({exception.Message}); {ManualInstructions(variant, url, targetFolder)}", exception);
        }
        finally
        {
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }

        if (!IsComplete(variant, dataFolder))
        {
            throw new DataException($"{archive} did not contain the expected files; {ManualInstructions(variant, url, targetFolder)}");
        }
        return dataFolder;
    }

    /// <summary>Throws a <see cref="DataException"/> unless the file's MD5 is <paramref name="expectedMd5"/>.</summary>
    internal static void VerifyMd5(string path, string expectedMd5)
    {
        string actual;
        using (var stream = File.OpenRead(path))
        {
            actual = Convert.ToHexString(MD5.HashData(stream)).ToLowerInvariant();
        }
        if (!string.Equals(actual, expectedMd5, StringComparison.OrdinalIgnoreCase))
        {
            throw new DataException($"{path}: MD5 {actual} does not match the published {expectedMd5} (corrupt or incomplete download)");
        }
    }

    /// <summary>Extracts a .tar.gz into <paramref name="targetFolder"/> (entries may not escape it).</summary>
    internal static void Extract(string tarGzPath, string targetFolder)
    {
        using var file = File.OpenRead(tarGzPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        TarFile.ExtractToDirectory(gzip, targetFolder, overwriteFiles: true);
    }

    static void Download(Uri url, string path, HttpMessageHandler? handler)
    {
        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.Timeout = TimeSpan.FromMinutes(30);
        using var response = client.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new DataException($"could not download {url} (HTTP {(int)response.StatusCode} {response.ReasonPhrase})");
        }
        using var body = response.Content.ReadAsStream();
        using var output = File.Create(path);
        body.CopyTo(output);
    }

    static string DataFolderName(CifarVariant variant) =>
        variant == CifarVariant.Cifar10 ? CifarReader.Cifar10FolderName : CifarReader.Cifar100FolderName;

    static bool IsComplete(CifarVariant variant, string dataFolder) =>
        CifarReader.SplitFiles(variant, DataSplit.Train).Concat(CifarReader.SplitFiles(variant, DataSplit.Test))
            .All(f => File.Exists(Path.Combine(dataFolder, f)));

    static string ManualInstructions(CifarVariant variant, Uri url, string targetFolder)
    {
        string folder = Path.Combine(targetFolder, DataFolderName(variant));
        string[] files = [.. CifarReader.SplitFiles(variant, DataSplit.Train), .. CifarReader.SplitFiles(variant, DataSplit.Test)];
        return $"download {url} by hand and extract it so that {folder} holds {string.Join(", ", files)}";
    }
}
