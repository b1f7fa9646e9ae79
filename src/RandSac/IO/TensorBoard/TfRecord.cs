using System.Buffers.Binary;
using System.IO.Hashing;

namespace RandSac.IO.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files. Each record is its length
/// (uint64, little-endian), the masked CRC-32C of those 8 bytes, the data, and the masked
/// CRC-32C of the data; CRCs are stored little-endian.
/// </summary>
public static class TfRecord
{
    const int HeaderBytes = 12, FooterBytes = 4;

    /// <summary>Bytes a record takes besides its data.</summary>
    public const int FramingBytes = HeaderBytes + FooterBytes;

    /// <summary>
    /// CRC-32C (Castagnoli), rotated right by 15 bits and offset, as TFRecord stores it: the mask
    /// keeps a CRC computed over data that itself holds CRCs from being trivially zero.
    /// </summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    public static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        Span<byte> footer = stackalloc byte[FooterBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(data));
        stream.Write(header);
        stream.Write(data);
        stream.Write(footer);
    }

    /// <summary>
    /// The records of a file, in order. A record cut short at the end of the file (a writer
    /// killed mid-record) ends the file, as it does for TensorBoard's reader; a CRC that does not
    /// match is an <see cref="InvalidDataException"/> naming the file and the offset.
    /// </summary>
    public static List<byte[]> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path).AsSpan();
        var records = new List<byte[]>();
        int offset = 0;
        while (bytes.Length - offset >= HeaderBytes)
        {
            var header = bytes.Slice(offset, HeaderBytes);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != MaskedCrc(header[..8]))
                throw new InvalidDataException($"{path}: the length CRC of the record at byte {offset} does not match");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (length > (ulong)(bytes.Length - offset - HeaderBytes - FooterBytes)) break;
            var data = bytes.Slice(offset + HeaderBytes, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + HeaderBytes + (int)length)..]) != MaskedCrc(data))
                throw new InvalidDataException($"{path}: the data CRC of the record at byte {offset} does not match");
            records.Add(data.ToArray());
            offset += HeaderBytes + (int)length + FooterBytes;
        }
        return records;
    }
}
