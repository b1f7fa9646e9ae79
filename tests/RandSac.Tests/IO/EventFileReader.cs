using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using RandSac.IO.TensorBoard;
using RandSac.IO.TensorBoard.Protos;

namespace RandSac.Tests.IO;

/// <summary>
/// Reads event files without the library's framing code: each record's length, its masked
/// CRC-32C, the data and its masked CRC-32C are checked here, from the TFRecord definition, and the
/// data parsed as TensorBoard events.
/// </summary>
static class EventFileReader
{
    public static uint Masked(uint crc) => BitOperations.RotateRight(crc, 15) + 0xa282ead8u;

    public static List<Event> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        for (int at = 0; at < bytes.Length;)
        {
            Assert.True(bytes.Length - at >= 16, $"{path}: {bytes.Length - at} stray bytes at {at}");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
            Assert.Equal(Masked(Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, bytes.AsSpan(at, 8))),
                BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)));
            Assert.True(length <= (ulong)(bytes.Length - at - 16), $"{path}: record at {at} runs past the end");
            var data = bytes.AsSpan(at + 12, (int)length);
            Assert.Equal(Masked(Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data)),
                BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length)));
            events.Add(Event.Parser.ParseFrom(data));
            at += 16 + (int)length;
        }
        return events;
    }

    /// <summary>The event files of a folder, oldest first (TensorBoard's order: by name), each read whole.</summary>
    public static List<List<Event>> ReadFolder(string folder) =>
        Directory.GetFiles(folder, EventFileWriter.FilePrefix + "*").Order(StringComparer.Ordinal).Select(Read).ToList();

    /// <summary>(step, value) of every scalar with <paramref name="tag"/>, in file order.</summary>
    public static List<(long Step, float Value)> Scalars(IEnumerable<Event> events, string tag) => events
        .Where(e => e.WhatCase == Event.WhatOneofCase.Summary)
        .SelectMany(e => e.Summary.Value.Where(v => v.Tag == tag && v.ValueCase == Summary.Types.Value.ValueOneofCase.SimpleValue)
            .Select(v => (e.Step, v.SimpleValue)))
        .ToList();

    /// <summary>(step, image) of every image with <paramref name="tag"/>, in file order.</summary>
    public static List<(long Step, Summary.Types.Image Image)> Images(IEnumerable<Event> events, string tag) => events
        .Where(e => e.WhatCase == Event.WhatOneofCase.Summary)
        .SelectMany(e => e.Summary.Value.Where(v => v.Tag == tag && v.ValueCase == Summary.Types.Value.ValueOneofCase.Image)
            .Select(v => (e.Step, v.Image)))
        .ToList();
}
