namespace RandSac.Tests;

/// <summary>Writes small files in the CIFAR binary layouts with predictable contents.</summary>
static class CifarFiles
{
    public const int PixelBytes = 3072;

    /// <summary>The pixel byte <paramref name="j"/> of record <paramref name="record"/> in file <paramref name="file"/>.</summary>
    public static byte Pixel(int file, int record, int j) => (byte)((file * 31 + record * 7 + j) % 251);

    /// <summary><paramref name="pixel"/>(record, j) replaces <see cref="Pixel"/> when given.</summary>
    public static void WriteCifar10(string path, int file, int records, Func<int, int>? label = null, Func<int, int, byte>? pixel = null)
    {
        label ??= r => (r + file) % 10;
        pixel ??= (r, j) => Pixel(file, r, j);
        var bytes = new byte[records * (1 + PixelBytes)];
        for (int r = 0; r < records; r++)
        {
            int offset = r * (1 + PixelBytes);
            bytes[offset] = (byte)label(r);
            for (int j = 0; j < PixelBytes; j++)
            {
                bytes[offset + 1 + j] = pixel(r, j);
            }
        }
        File.WriteAllBytes(path, bytes);
    }

    public static void WriteCifar100(string path, int file, int records, Func<int, int>? coarse = null, Func<int, int>? fine = null)
    {
        coarse ??= r => r % 20;
        fine ??= r => (r * 3) % 100;
        var bytes = new byte[records * (2 + PixelBytes)];
        for (int r = 0; r < records; r++)
        {
            int offset = r * (2 + PixelBytes);
            bytes[offset] = (byte)coarse(r);
            bytes[offset + 1] = (byte)fine(r);
            for (int j = 0; j < PixelBytes; j++)
            {
                bytes[offset + 2 + j] = Pixel(file, r, j);
            }
        }
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A complete small CIFAR-10 folder: 5 train batches of <paramref name="perBatch"/> records and a test batch.</summary>
    public static void WriteCifar10Folder(string folder, int perBatch = 4, int testRecords = 3, Func<int, int, byte>? pixel = null)
    {
        Directory.CreateDirectory(folder);
        for (int b = 1; b <= 5; b++)
        {
            WriteCifar10(Path.Combine(folder, $"data_batch_{b}.bin"), b, perBatch, pixel: pixel);
        }
        WriteCifar10(Path.Combine(folder, "test_batch.bin"), 0, testRecords, pixel: pixel);
    }
}
