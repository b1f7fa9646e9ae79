using RandSac.Data;
using SkiaSharp;

namespace RandSac.Tests.Cli;

/// <summary>Every kind of bad input stops the CLI with one clear line and exit code 2.</summary>
public sealed class BadInputTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AMissingDatasetFolderIsNamed()
    {
        string missing = _temp.Combine("no-such-folder");
        var result = CliRunner.Run("plan", "--dataset", "cifar10", "--data", missing);
        CliRunner.AssertBadInput(result, "no-such-folder");
    }

    [Fact]
    public void ATruncatedBatchFileIsNamedWithItsSize()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        string folder = _temp.Combine("cifar");
        CifarFiles.WriteCifar10Folder(folder);
        string batch = Path.Combine(folder, "data_batch_3.bin");
        using (var stream = File.OpenWrite(batch)) stream.SetLength(stream.Length - 100);
        var result = CliRunner.Run("plan", "--dataset", "cifar10", "--data", folder);
        CliRunner.AssertBadInput(result, "data_batch_3.bin", "3073");
    }

    [Fact]
    public void ALabelOutOfRangeIsNamedWithItsRecord()
    {
        using var smallFiles = CifarReader.AcceptingAnyRecordCount();
        string folder = _temp.Combine("cifar-labels");
        CifarFiles.WriteCifar10Folder(folder);
        CifarFiles.WriteCifar10(Path.Combine(folder, "data_batch_2.bin"), 2, 4, label: r => r == 1 ? 12 : 0);
        var result = CliRunner.Run("plan", "--dataset", "cifar10", "--data", folder);
        CliRunner.AssertBadInput(result, "data_batch_2.bin", "12");
    }

    [Fact]
    public void ACifarBatchCutAtARecordBoundaryIsRefused()
    {
        string folder = _temp.Combine("cifar-short");
        CifarFiles.WriteCifar10Folder(folder, testRecords: 1000);
        var result = CliRunner.Run("dataset", "--dataset", "cifar10", "--data", folder, "--split", "test");
        CliRunner.AssertBadInput(result, "test_batch.bin", "1000 records", "10000");
    }

    [Fact]
    public void APngCutToAThirdIsNamed()
    {
        string root = _temp.Combine("images-cut");
        WritePng(Path.Combine(root, "cat", "a.png"));
        string cut = Path.Combine(root, "dog", "b.png");
        WriteNoisePng(cut, 64);
        var bytes = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 3)]);
        var result = CliRunner.Run("plan", "--dataset", "folder", "--data", root, "--image-size", "16");
        CliRunner.AssertBadInput(result, cut, "truncated");
    }

    [Fact]
    public void ADecompressionBombIsRefusedBeforeDecoding()
    {
        string root = _temp.Combine("images-bomb");
        WritePng(Path.Combine(root, "cat", "a.png"));
        string bomb = Path.Combine(root, "dog", "b.png");
        Directory.CreateDirectory(Path.GetDirectoryName(bomb)!);
        File.WriteAllBytes(bomb, PngHeaderOnly(200_000, 200_000));
        var result = CliRunner.Run("plan", "--dataset", "folder", "--data", root, "--image-size", "16");
        CliRunner.AssertBadInput(result, bomb, "200000×200000 pixels", "89,478,485");
    }

    [Fact]
    public void ANonImageFileInAnImageFolderIsNamed()
    {
        string root = _temp.Combine("images");
        WritePng(Path.Combine(root, "cat", "a.png"));
        Directory.CreateDirectory(Path.Combine(root, "dog"));
        File.WriteAllText(Path.Combine(root, "dog", "b.png"), "this is not a picture");
        var result = CliRunner.Run("plan", "--dataset", "folder", "--data", root, "--image-size", "16");
        CliRunner.AssertBadInput(result, "b.png");
    }

    [Fact]
    public void AnEmptyClassFolderIsNamed()
    {
        string root = _temp.Combine("images-empty");
        WritePng(Path.Combine(root, "cat", "a.png"));
        Directory.CreateDirectory(Path.Combine(root, "dog"));
        var result = CliRunner.Run("plan", "--dataset", "folder", "--data", root, "--image-size", "16");
        CliRunner.AssertBadInput(result, "dog");
    }

    [Fact]
    public void AnImageSizeThePatchDoesNotDivideIsRejected()
    {
        var result = CliRunner.Run("plan", "--image-size", "30", "--patch", "4");
        CliRunner.AssertBadInput(result, "30", "4");
    }

    [Theory]
    [InlineData("--segments", "blob:x", "segments 'blob:x'")]
    [InlineData("--order", "hier:4,16", "order 'hier:4,16'")]
    [InlineData("--segments", "square:3", "square side 3 does not divide the 8×8 token grid")]
    public void MalformedSegmentsAndOrdersAreRejected(string option, string value, string message)
    {
        var result = CliRunner.Run("plan", option, value);
        CliRunner.AssertBadInput(result, message);
    }

    [Fact]
    public void ResumingARunThatDoesNotExistIsRejected()
    {
        var result = CliRunner.Run("pretrain", "--out", _temp.Combine("nothing-here"), "--resume");
        CliRunner.AssertBadInput(result, "checkpoint.safetensors", "does not exist");
    }

    [Fact]
    public void AMissingCheckpointIsNamed()
    {
        var result = CliRunner.Run("reconstruct", "--checkpoint", _temp.Combine("gone.safetensors"), "--out", _temp.Combine("r.png"));
        CliRunner.AssertBadInput(result, "gone.safetensors");
        Assert.False(File.Exists(_temp.Combine("r.png")));
    }

    [Fact]
    public void ABadConfigFileIsNamed()
    {
        string config = _temp.Combine("bad.json");
        File.WriteAllText(config, "{ \"epochs\": \"many\" }");
        var result = CliRunner.Run("pretrain", "--config", config, "--out", _temp.Combine("run"));
        CliRunner.AssertBadInput(result, "bad.json");
        Assert.False(Directory.Exists(_temp.Combine("run")));
    }

    [Fact]
    public void UnknownOptionsFailWithoutRunning()
    {
        var result = CliRunner.Run("plan", "--no-such-option");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--no-such-option", result.Error);
    }

    static void WriteNoisePng(string path, int size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(size, size);
        var random = new Random(1);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>A PNG signature and header chunk claiming <paramref name="width"/>×<paramref name="height"/> RGB pixels, and one empty data chunk.</summary>
    static byte[] PngHeaderOnly(int width, int height)
    {
        var png = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        void Chunk(string type, byte[] body)
        {
            var length = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
            byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. body];
            png.AddRange(length);
            png.AddRange(typed);
            png.AddRange(System.IO.Hashing.Crc32.Hash(typed).Reverse());
        }
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per channel
        header[9] = 2; // RGB
        Chunk("IHDR", header);
        Chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk("IEND", []);
        return png.ToArray();
    }

    [Theory]
    [InlineData("'abc'", "--epochs", "abc")]
    [InlineData("'imagenet'", "--dataset", "imagenet")]
    [InlineData("'maybe'", "--skip", "maybe")]
    [InlineData("--epochs", "--epochs", "1", "--epochs", "2")]
    [InlineData("--base-lr 1e400 must be a finite number", "--base-lr", "1e400")]
    [InlineData("--clip-grad -1e999 must be a finite number", "--clip-grad", "-1e999")]
    public void ACommandLineThatDoesNotParseIsOneLineWithAPointerToHelp(string message, params string[] options)
    {
        string folder = _temp.Combine("never-made");
        var result = CliRunner.Run(["pretrain", "--out", folder, .. options]);
        CliRunner.AssertBadInput(result, message, "(see 'randsac pretrain --help')");
        Assert.DoesNotContain("System.", result.Error);
        Assert.False(Directory.Exists(folder));
    }

    static void WritePng(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(20, 20);
        bitmap.Erase(SKColors.Coral);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
