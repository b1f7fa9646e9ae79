using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace RandSac.IO;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte header length, a JSON header of
/// dtype/shape/offsets plus string metadata, then raw little-endian data), so weights load
/// in PyTorch with <c>safetensors.torch.load_file</c>. Written here rather than taken from
/// TorchSharp.PyBridge because that package is built against an older TorchSharp (0.103)
/// and offers no metadata, which checkpoints need for their config.
/// </summary>
public static class Safetensors
{
    static readonly Dictionary<ScalarType, string> DtypeNames = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float64] = "F64", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float16] = "F16", [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32",
        [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    static readonly Dictionary<ScalarType, int> ElementSizes = new()
    {
        [ScalarType.Float32] = 4, [ScalarType.Float64] = 8, [ScalarType.BFloat16] = 2,
        [ScalarType.Float16] = 2, [ScalarType.Int64] = 8, [ScalarType.Int32] = 4,
        [ScalarType.Byte] = 1, [ScalarType.Bool] = 1,
    };

    /// <summary>Writes tensors (in the given order) and metadata to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        var contiguous = new List<Tensor>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (!DtypeNames.TryGetValue(tensor.dtype, out var dtype))
                throw new ArgumentException($"safetensors: tensor '{name}' has unsupported dtype {tensor.dtype}");
            var cpu = tensor.detach().cpu().contiguous();
            contiguous.Add(cpu);
            long bytes = cpu.NumberOfElements * cpu.ElementSize;
            header[name] = new { dtype, shape = cpu.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padding = (8 - json.Length % 8) % 8;
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        stream.Write(length);
        stream.Write(json);
        for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
        foreach (var cpu in contiguous)
        {
            stream.Write(cpu.bytes);
            cpu.Dispose();
        }
    }

    /// <summary>The metadata alone, without reading any tensor; null when the file is not safetensors.</summary>
    public static Dictionary<string, string>? TryReadMetadata(string path)
    {
        using var stream = File.OpenRead(path);
        var lengthBytes = new byte[8];
        if (stream.Read(lengthBytes) != 8) return null;
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > (ulong)Math.Min(stream.Length - 8, 100_000_000)) return null;
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        try
        {
            using var header = JsonDocument.Parse(Encoding.UTF8.GetString(headerBytes).TrimEnd());
            var metadata = new Dictionary<string, string>();
            if (header.RootElement.ValueKind != JsonValueKind.Object) return null;
            if (header.RootElement.TryGetProperty("__metadata__", out var entries))
                foreach (var m in entries.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
            return metadata;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The safetensors name of a dtype, e.g. <c>F32</c>.</summary>
    public static string DtypeName(ScalarType type) =>
        DtypeNames.TryGetValue(type, out var name) ? name : throw new ArgumentException($"safetensors has no dtype for {type}");

    /// <summary>
    /// Reads every tensor (as new CPU tensors the caller owns) and the metadata. A file that is
    /// truncated, or whose header is not what the format requires, fails with one
    /// <see cref="InvalidDataException"/> naming the file and the entry.
    /// </summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new InvalidDataException($"{path}: {fileLength} bytes is too short for a safetensors file (truncated?)");
        var lengthBytes = new byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > 100_000_000)
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength})");
        if (headerLength > (ulong)(fileLength - 8))
            throw new InvalidDataException($"{path}: truncated: the header needs {headerLength} bytes but only {fileLength - 8} follow");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        var entries = ParseHeader(path, headerBytes, out var metadata);
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var entry in entries)
            {
                if (entry.End > dataLength)
                    throw new InvalidDataException(
                        $"{path}: truncated: tensor '{entry.Name}' ends at byte {entry.End} of the data, but the file holds {dataLength}");
                var tensor = empty(entry.Shape, entry.Type);
                tensors[entry.Name] = tensor;
                if (entry.End == entry.Begin) continue;
                stream.Position = dataStart + entry.Begin;
                stream.ReadExactly(tensor.bytes);
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return (tensors, metadata);
    }

    sealed record HeaderEntry(string Name, ScalarType Type, long[] Shape, long Begin, long End);

    /// <summary>The header's tensor entries, checked against the format before anything is allocated.</summary>
    static List<HeaderEntry> ParseHeader(string path, byte[] headerBytes, out Dictionary<string, string> metadata)
    {
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(Encoding.UTF8.GetString(headerBytes).TrimEnd());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid JSON ({e.Message})");
        }
        using (header)
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: the safetensors header is not a JSON object");
            metadata = new Dictionary<string, string>();
            var entries = new List<HeaderEntry>();
            foreach (var entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object)
                        throw new InvalidDataException($"{path}: the header's __metadata__ is not a JSON object");
                    foreach (var m in entry.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new InvalidDataException($"{path}: metadata '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(path, entry));
            }
            return entries;
        }
    }

    static HeaderEntry ParseEntry(string path, JsonProperty entry)
    {
        InvalidDataException Bad(string problem) => new($"{path}: tensor '{entry.Name}' {problem}");
        var value = entry.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
            throw Bad("has no dtype, shape and data_offsets in the header");
        string dtype = dtypeElement.GetString()!;
        var type = DtypeNames.FirstOrDefault(p => p.Value == dtype).Key;
        if (!DtypeNames.TryGetValue(type, out var known) || known != dtype)
            throw Bad($"has unsupported dtype {dtype}");
        var shape = new List<long>();
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                throw Bad($"has a malformed shape {shapeElement.GetRawText()}");
            shape.Add(size);
        }
        var offsets = new List<long>();
        foreach (var o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long offset) || offset < 0)
                throw Bad($"has malformed data_offsets {offsetsElement.GetRawText()}");
            offsets.Add(offset);
        }
        if (offsets.Count != 2 || offsets[1] < offsets[0])
            throw Bad($"has malformed data_offsets {offsetsElement.GetRawText()}");
        long bytes = offsets[1] - offsets[0];
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (n, d) => n * d) * ElementSizes[type]);
        }
        catch (OverflowException)
        {
            throw Bad($"has an impossible shape {shapeElement.GetRawText()}");
        }
        if (expected != bytes)
            throw Bad($"has {bytes} bytes for {dtype} [{string.Join(", ", shape)}], which needs {expected}");
        return new HeaderEntry(entry.Name, type, shape.ToArray(), offsets[0], offsets[1]);
    }
}
