using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using RandSac.Data;

namespace RandSac.Tests.Data;

public class CifarDownloaderTests
{
    /// <summary>Stands in for the network: serves fixed bytes, or fails like an offline machine.</summary>
    sealed class FakeNetwork(byte[]? body) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            if (body is null)
            {
                throw new HttpRequestException("Name or service not known (www.cs.toronto.edu:443)");
            }
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }

    static byte[] SmallCifar10Tarball()
    {
        using var temp = new TempDirectory();
        CifarFiles.WriteCifar10Folder(temp.Path, perBatch: 2, testRecords: 2);
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (string file in Directory.GetFiles(temp.Path).Order(StringComparer.Ordinal))
            {
                tar.WriteEntry(file, "cifar-10-batches-bin/" + Path.GetFileName(file));
            }
        }
        return buffer.ToArray();
    }

    static readonly Uri FakeUrl = new("https://example.invalid/cifar-10-binary.tar.gz");

    [Fact]
    public void OfflineGivesOneLineWithTheManualLayout()
    {
        using var temp = new TempDirectory();
        using var network = new FakeNetwork(null);

        var error = Assert.Throws<DataException>(() => CifarDownloader.Ensure(CifarVariant.Cifar10, temp.Path, handler: network));

        Assert.StartsWith($"could not download {CifarDownloader.Cifar10Url} (Name or service not known", error.Message);
        Assert.Contains($"extract it so that {temp.Combine("cifar-10-batches-bin")} holds data_batch_1.bin", error.Message);
        Assert.Contains("test_batch.bin", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void VerifiedTarballIsExtractedAndReadable()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        using var temp = new TempDirectory();
        byte[] tarball = SmallCifar10Tarball();
        string md5 = Convert.ToHexString(MD5.HashData(tarball)).ToLowerInvariant();
        using var network = new FakeNetwork(tarball);

        string folder = CifarDownloader.Ensure(CifarVariant.Cifar10, temp.Path, FakeUrl, md5, null, network);

        Assert.Equal(temp.Combine("cifar-10-batches-bin"), folder);
        Assert.Empty(Directory.GetFiles(temp.Path));
        using var train = CifarReader.LoadCifar10(temp.Path, DataSplit.Train);
        Assert.Equal(10, train.Count);
        Assert.Equal(CifarFiles.Pixel(5, 1, 0), train.GetPixels(9)[0]);

        // Present now: no second request.
        CifarDownloader.Ensure(CifarVariant.Cifar10, temp.Path, FakeUrl, md5, null, network);
        Assert.Equal(1, network.Requests);
    }

    [Fact]
    public void ChecksumMismatchIsRejectedAndNothingIsExtracted()
    {
        using var temp = new TempDirectory();
        using var network = new FakeNetwork(SmallCifar10Tarball());

        var error = Assert.Throws<DataException>(() =>
            CifarDownloader.Ensure(CifarVariant.Cifar10, temp.Path, FakeUrl, CifarDownloader.Cifar10Md5, null, network));

        Assert.Contains($"does not match the published {CifarDownloader.Cifar10Md5}", error.Message);
        Assert.Contains("by hand", error.Message);
        Assert.False(Directory.Exists(temp.Combine("cifar-10-batches-bin")));
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void PublishedChecksumsAreTheOfficialOnes()
    {
        Assert.Equal("c32a1d4ab5d03f1284b67883e8d87530", CifarDownloader.Cifar10Md5);
        Assert.Equal("03b5dce01913d631647c71ecec9e9cb8", CifarDownloader.Cifar100Md5);
        Assert.EndsWith("/cifar-100-binary.tar.gz", CifarDownloader.Cifar100Url);
    }
}
