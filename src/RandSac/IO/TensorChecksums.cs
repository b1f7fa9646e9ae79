using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace RandSac.IO;

/// <summary>
/// Checksums that let a safetensors file show it still holds what was written: every tensor's
/// dtype, shape and an XxHash128 of its bytes, and an XxHash128 of every metadata entry. They
/// live in the metadata (<see cref="Key"/>), with the hash of that table itself under
/// <see cref="DigestKey"/>, so damage anywhere (data, header, metadata or the table) is found
/// and named. XxHash128 because checkpoints of large models are hundreds of MB and it hashes
/// at memory speed; the aim is to find damage, not to resist forgery.
/// </summary>
public static class TensorChecksums
{
    public const string Key = "checksums";
    public const string DigestKey = "checksums_xxh128";

    /// <summary>Whether the metadata carries checksums at all.</summary>
    public static bool Present(IReadOnlyDictionary<string, string> metadata) =>
        metadata.ContainsKey(Key) || metadata.ContainsKey(DigestKey);

    /// <summary>Adds the checksums of <paramref name="tensors"/> and of the other metadata entries to <paramref name="metadata"/>.</summary>
    public static void AddTo(Dictionary<string, string> metadata, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var tensorTable = new JsonObject();
        foreach (var (name, tensor) in tensors)
            tensorTable[name] = new JsonObject
            {
                ["dtype"] = Safetensors.DtypeName(tensor.dtype),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["xxh128"] = Hash(tensor),
            };
        var metadataTable = new JsonObject();
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            metadataTable[key] = Hash(value);
        string table = new JsonObject { ["tensors"] = tensorTable, ["metadata"] = metadataTable }.ToJsonString();
        metadata[Key] = table;
        metadata[DigestKey] = Hash(table);
    }

    /// <summary>
    /// Throws an <see cref="InvalidDataException"/> naming <paramref name="path"/> and the first
    /// entry that differs from what was written: a tensor or metadata entry added, missing, of
    /// another dtype or shape, or with other contents.
    /// </summary>
    public static void Verify(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(Key, out var table) || !metadata.TryGetValue(DigestKey, out var digest) || Hash(table) != digest)
            throw new InvalidDataException($"{path}: the checksum table in the metadata is damaged");
        var (tensorTable, metadataTable) = ParseTable(path, table);

        foreach (var (name, written) in tensorTable)
        {
            if (!tensors.TryGetValue(name, out var tensor))
                throw new InvalidDataException($"{path}: tensor '{name}' is missing from the header");
            string dtype = Safetensors.DtypeName(tensor.dtype);
            if (dtype != written.Dtype || !tensor.shape.SequenceEqual(written.Shape))
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' is {dtype} {Shape(tensor.shape)} in the header but was written as {written.Dtype} {Shape(written.Shape)}");
            if (Hash(tensor) != written.Hash)
                throw new InvalidDataException($"{path}: tensor '{name}' is damaged: its bytes do not match the checksum written with them");
        }
        if (tensors.Keys.FirstOrDefault(name => !tensorTable.ContainsKey(name)) is { } extra)
            throw new InvalidDataException($"{path}: tensor '{extra}' in the header was not written with the file");

        foreach (var (key, hash) in metadataTable)
        {
            if (!metadata.TryGetValue(key, out var value))
                throw new InvalidDataException($"{path}: metadata '{key}' is missing");
            if (Hash(value) != hash)
                throw new InvalidDataException($"{path}: metadata '{key}' is damaged: it does not match the checksum written with it");
        }
        if (metadata.Keys.FirstOrDefault(key => key is not (Key or DigestKey) && !metadataTable.ContainsKey(key)) is { } added)
            throw new InvalidDataException($"{path}: metadata '{added}' was not written with the file");
    }

    sealed record Written(string Dtype, long[] Shape, string Hash);

    static (Dictionary<string, Written> Tensors, Dictionary<string, string> Metadata) ParseTable(string path, string table)
    {
        // The digest matched, so a table that does not parse was written wrong, not damaged.
        InvalidDataException Malformed(string why) => new($"{path}: the checksum table in the metadata is malformed ({why})");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(table);
        }
        catch (JsonException e)
        {
            throw Malformed(e.Message);
        }
        if (root?["tensors"] is not JsonObject tensorTable || root["metadata"] is not JsonObject metadataTable)
            throw Malformed("no tensors and metadata");
        var tensors = new Dictionary<string, Written>();
        foreach (var (name, node) in tensorTable)
        {
            if (node?["dtype"]?.GetValueKind() != JsonValueKind.String || node["xxh128"]?.GetValueKind() != JsonValueKind.String
                || node["shape"] is not JsonArray shape || shape.Any(d => d?.GetValueKind() != JsonValueKind.Number))
                throw Malformed($"entry '{name}'");
            tensors[name] = new Written(node["dtype"]!.GetValue<string>(), shape.Select(d => d!.GetValue<long>()).ToArray(),
                node["xxh128"]!.GetValue<string>());
        }
        var metadata = new Dictionary<string, string>();
        foreach (var (key, node) in metadataTable)
        {
            if (node?.GetValueKind() != JsonValueKind.String) throw Malformed($"metadata entry '{key}'");
            metadata[key] = node.GetValue<string>();
        }
        return (tensors, metadata);
    }

    static string Shape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    static string Hash(string text) => Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(text)));

    static string Hash(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().cpu().contiguous();
        return cpu.NumberOfElements == 0 ? Hash("") : Convert.ToHexStringLower(XxHash128.Hash(cpu.bytes));
    }
}
