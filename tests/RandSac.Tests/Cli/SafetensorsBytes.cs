using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace RandSac.Tests.Cli;

/// <summary>A safetensors file's bytes with its header parsed, for writing damaged copies of it.</summary>
sealed class SafetensorsBytes
{
    SafetensorsBytes(byte[] bytes)
    {
        Bytes = bytes;
        HeaderLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        HeaderText = Encoding.UTF8.GetString(bytes, 8, HeaderLength);
        Header = JsonNode.Parse(HeaderText)!.AsObject();
    }

    public byte[] Bytes { get; }
    public int HeaderLength { get; }
    public string HeaderText { get; }
    public JsonObject Header { get; }
    public long DataStart => 8 + HeaderLength;
    public JsonObject Metadata => Header["__metadata__"]!.AsObject();

    public static SafetensorsBytes Of(byte[] bytes) => new(bytes);

    /// <summary>Where a tensor's bytes start in the file.</summary>
    public long OffsetOf(string tensor) => DataStart + (long)Header[tensor]!["data_offsets"]![0]!;

    /// <summary>A copy with one edit of the header text that keeps its length (spaces fill what is shorter).</summary>
    public byte[] WithHeaderText(string from, string to)
    {
        string text = HeaderText.Replace(from, to);
        Assert.NotEqual(HeaderText, text);
        var encoded = Encoding.UTF8.GetBytes(text);
        Assert.True(encoded.Length <= HeaderLength, "the edit must not lengthen the header");
        var copy = (byte[])Bytes.Clone();
        encoded.CopyTo(copy, 8);
        copy.AsSpan(8 + encoded.Length, HeaderLength - encoded.Length).Fill((byte)' ');
        return copy;
    }

    /// <summary>A copy with <paramref name="edit"/> applied to the parsed header, re-serialised (the data is kept as it is).</summary>
    public byte[] WithHeader(Action<JsonObject> edit)
    {
        var header = JsonNode.Parse(HeaderText)!.AsObject();
        edit(header);
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var copy = new byte[8 + padded + Bytes.Length - DataStart];
        BinaryPrimitives.WriteUInt64LittleEndian(copy, (ulong)padded);
        json.CopyTo(copy, 8);
        copy.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        Bytes.AsSpan((int)DataStart).CopyTo(copy.AsSpan(8 + padded));
        return copy;
    }

    /// <summary>A copy with <paramref name="edit"/> applied to the bytes.</summary>
    public byte[] WithBytes(Action<byte[]> edit)
    {
        var copy = (byte[])Bytes.Clone();
        edit(copy);
        return copy;
    }
}
