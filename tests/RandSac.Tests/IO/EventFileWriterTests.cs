using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using RandSac.IO.TensorBoard;
using RandSac.IO.TensorBoard.Protos;
using SkiaSharp;

namespace RandSac.Tests.IO;

public sealed class EventFileWriterTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("zeros", 0x8A9136AAu)] // RFC 3720, B.4: 32 bytes of 0x00
    [InlineData("ones", 0x62A8AB43u)] // 32 bytes of 0xFF
    [InlineData("ascending", 0x46DD794Eu)] // bytes 0x00 … 0x1F
    public void TheRecordChecksumIsMaskedCrc32C(string input, uint crc32c)
    {
        byte[] data = input switch
        {
            "zeros" => new byte[32],
            "ones" => Enumerable.Repeat((byte)0xFF, 32).ToArray(),
            "ascending" => Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
            _ => Encoding.ASCII.GetBytes(input),
        };
        Assert.Equal(EventFileReader.Masked(crc32c), TfRecord.MaskedCrc(data));
    }

    [Fact]
    public void TheMaskIsARotationBy15PlusTheTfRecordConstant()
    {
        // By hand: 0xE3069283 rotated right by 15 is 0x2507C60D; plus 0xA282EAD8 gives 0xC78AB0E5.
        Assert.Equal(0xC78AB0E5u, TfRecord.MaskedCrc("123456789"u8));
    }

    [Fact]
    public void EventsEncodeWithTensorBoardsFieldNumbers()
    {
        // Event{wall_time 1.5, step 3, summary{value{tag "a", simple_value 2}}}, by hand from event.proto and summary.proto:
        // 0x09 = field 1 fixed64, 0x10 = field 2 varint, 0x2A = field 5 bytes; Summary.value 0x0A; Value.tag 0x0A, simple_value 0x15.
        var scalar = new Event { WallTime = 1.5, Step = 3, Summary = new Summary { Value = { new Summary.Types.Value { Tag = "a", SimpleValue = 2 } } } };
        Assert.Equal("09000000000000F83F10032A0A0A080A01611500000040", Convert.ToHexString(scalar.ToByteArray()));

        // file_version is field 3 (0x1A), source_metadata field 10 (0x52) holding writer (0x0A).
        var version = new Event { FileVersion = "brain.Event:2", SourceMetadata = new SourceMetadata { Writer = "w" } };
        Assert.Equal("1A0D" + Convert.ToHexString("brain.Event:2"u8) + "5203" + "0A0177", Convert.ToHexString(version.ToByteArray()));

        // Value.image is field 4 (0x22); Image: height 1 (0x08), width 2 (0x10), colorspace 3 (0x18), encoded_image_string 4 (0x22).
        var image = new Summary.Types.Value { Tag = "i", Image = new Summary.Types.Image { Height = 5, Width = 7, Colorspace = 4, EncodedImageString = ByteString.CopyFrom(0xAB) } };
        Assert.Equal("0A0169" + "2209" + "0805" + "1007" + "1804" + "2201AB", Convert.ToHexString(image.ToByteArray()));
    }

    [Fact]
    public void AWrittenFileReadsBackRecordByRecord()
    {
        string path;
        using (var writer = new EventFileWriter(_temp.Path, keepThroughStep: 0))
        {
            path = writer.Path;
            writer.Scalars(1, ("loss", 0.5), ("lr", 1e-4));
            writer.Scalars(2, ("loss", 0.25), ("lr", 2e-4));
            writer.Image("picture", 2, Png(width: 7, height: 5));
        }
        Assert.Matches(new Regex($@"^events\.out\.tfevents\.\d{{10}}\..+\.{Environment.ProcessId}\.\d+$"), Path.GetFileName(path));

        var events = EventFileReader.Read(path);
        Assert.Equal(4, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal("RandSac", events[0].SourceMetadata.Writer);
        Assert.All(events, e => Assert.InRange(e.WallTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1));
        Assert.Equal([(1L, 0.5f), (2L, 0.25f)], EventFileReader.Scalars(events, "loss"));
        Assert.Equal([(1L, 1e-4f), (2L, 2e-4f)], EventFileReader.Scalars(events, "lr"));

        var (step, image) = Assert.Single(EventFileReader.Images(events, "picture"));
        Assert.Equal(2, step);
        Assert.Equal((7, 5), (image.Width, image.Height));
        using var decoded = SKBitmap.Decode(image.EncodedImageString.ToByteArray());
        Assert.Equal((7, 5), (decoded.Width, decoded.Height));
        Assert.Equal(new SKColor(10, 200, 30), decoded.GetPixel(6, 4));
    }

    [Fact]
    public void ANewWriterDropsLaterStepsAndACutOffTailFromEarlierFiles()
    {
        string first;
        using (var writer = new EventFileWriter(_temp.Path, keepThroughStep: 0))
        {
            first = writer.Path;
            for (int step = 1; step <= 5; step++) writer.Scalars(step, ("loss", step));
        }
        // A writer killed mid-record leaves part of one behind.
        using (var stream = new FileStream(first, FileMode.Append)) stream.Write([0x20, 0, 0, 0, 0, 0, 0, 0, 1, 2]);

        using (var resumed = new EventFileWriter(_temp.Path, keepThroughStep: 3))
            resumed.Scalars(4, ("loss", 40));
        var files = EventFileReader.ReadFolder(_temp.Path);
        Assert.Equal(2, files.Count);
        Assert.Equal([(1L, 1f), (2L, 2f), (3L, 3f)], EventFileReader.Scalars(files[0], "loss"));
        Assert.Equal([(4L, 40f)], EventFileReader.Scalars(files[1], "loss"));

        // A fresh start (step 0) leaves no summaries behind, and a writer that wrote none leaves no file: all are gone.
        using (new EventFileWriter(_temp.Path, keepThroughStep: 0)) { }
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void FilesSortByNameInTheOrderTheyWereWrittenEvenWithinOneSecond()
    {
        // Twelve resumes in a row, far quicker than a second each: TensorBoard reads the files in name order,
        // so the steps must come back in the order they were written (a 10th file must not sort before the 2nd).
        for (int step = 1; step <= 12; step++)
            using (var writer = new EventFileWriter(_temp.Path, keepThroughStep: step - 1))
                writer.Scalars(step, ("loss", step));
        var files = EventFileReader.ReadFolder(_temp.Path);
        Assert.Equal(12, files.Count);
        Assert.Equal(Enumerable.Range(1, 12).Select(step => (long)step), EventFileReader.Scalars(files.SelectMany(f => f), "loss").Select(s => s.Step));
    }

    [Fact]
    public void ACorruptRecordIsAnErrorNamingTheFile()
    {
        string path;
        using (var writer = new EventFileWriter(_temp.Path, keepThroughStep: 0))
        {
            path = writer.Path;
            writer.Scalars(1, ("loss", 1));
        }
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => new EventFileWriter(_temp.Path, keepThroughStep: 1));
        Assert.Contains(Path.GetFileName(path), error.Message);
        Assert.Contains("data CRC", error.Message);
    }

    [Fact]
    public void AnImageMustBeAPng()
    {
        using var writer = new EventFileWriter(_temp.Path, keepThroughStep: 0);
        var error = Assert.Throws<ArgumentException>(() => writer.Image("picture", 1, new byte[40]));
        Assert.Contains("picture", error.Message);
    }

    static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor(10, 200, 30));
        return RandSac.Pictures.Png.Encode(bitmap);
    }
}
