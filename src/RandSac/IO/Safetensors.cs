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

    /// <summary>Reads every tensor (as new CPU tensors the caller owns) and the metadata.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        using var stream = File.OpenRead(path);
        var lengthBytes = new byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(stream.Length - 8, 100_000_000))
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength})");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;

        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(headerBytes).TrimEnd());
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                continue;
            }
            string dtype = entry.Value.GetProperty("dtype").GetString()!;
            var type = DtypeNames.FirstOrDefault(p => p.Value == dtype).Key;
            if (!DtypeNames.ContainsKey(type) || DtypeNames[type] != dtype)
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' has unsupported dtype {dtype}");
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var data = new byte[offsets[1] - offsets[0]];
            stream.Position = dataStart + offsets[0];
            stream.ReadExactly(data);
            var tensor = empty(shape, type);
            if (tensor.NumberOfElements * tensor.ElementSize != data.Length)
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' has {data.Length} bytes for shape [{string.Join(", ", shape)}]");
            tensor.bytes = data;
            tensors[entry.Name] = tensor;
        }
        return (tensors, metadata);
    }
}
