using System.Buffers.Binary;
using Google.Protobuf;
using RandSac.IO.TensorBoard.Protos;

namespace RandSac.IO.TensorBoard;

/// <summary>
/// Writes one TensorBoard event file, <c>events.out.tfevents.&lt;unix seconds&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;</c>,
/// in a folder: the file version first, then scalar and PNG image summaries against a step.
/// Every event is flushed as it is written, so TensorBoard shows a run live and a killed run
/// loses nothing it logged. A new writer in a folder that already holds event files first drops
/// their events past <c>keepThroughStep</c> (a resumed run repeats those steps; a new run
/// repeats them all), so each step appears once however often a run was interrupted. A file
/// that ends up holding no summary is deleted.
/// </summary>
public sealed class EventFileWriter : IDisposable
{
    public const string FilePrefix = "events.out.tfevents.";
    const string FileVersion = "brain.Event:2";
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    static int _filesOpened;

    readonly FileStream _stream;
    bool _holdsSummaries;

    public EventFileWriter(string folder, long keepThroughStep)
    {
        Directory.CreateDirectory(folder);
        string[] earlierFiles = Directory.GetFiles(folder, FilePrefix + "*");
        foreach (string earlier in earlierFiles)
            DropStepsAfter(earlier, keepThroughStep);
        string name = $"{FilePrefix}{SecondsAfter(earlierFiles)}.{Environment.MachineName}.{Environment.ProcessId}." +
                      Interlocked.Increment(ref _filesOpened);
        Path = System.IO.Path.Combine(folder, name);
        _stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write);
        Write(new Event { WallTime = Now(), FileVersion = FileVersion, SourceMetadata = new SourceMetadata { Writer = "RandSac" } });
    }

    public string Path { get; }

    /// <summary>Scalars of one step, in one event (TensorBoard stores them as 32-bit floats).</summary>
    public void Scalars(long step, params ReadOnlySpan<(string Tag, double Value)> scalars)
    {
        var summary = new Summary();
        foreach (var (tag, value) in scalars) summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        Write(new Event { WallTime = Now(), Step = step, Summary = summary });
    }

    /// <summary>A PNG picture; its size and colour type are read from the PNG header.</summary>
    public void Image(string tag, long step, byte[] png)
    {
        // Signature, then the IHDR chunk: length, type, width, height, bit depth, colour type.
        if (png.Length < 33 || !png.AsSpan(0, 8).SequenceEqual(PngSignature) || !png.AsSpan(12, 4).SequenceEqual("IHDR"u8))
            throw new ArgumentException($"the {tag} image at step {step} is not a PNG");
        var image = new Summary.Types.Image
        {
            Width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)),
            Height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)),
            Colorspace = png[25] switch { 0 => 1, 4 => 2, 6 => 4, _ => 3 },
            EncodedImageString = ByteString.CopyFrom(png),
        };
        Write(new Event { WallTime = Now(), Step = step, Summary = new Summary { Value = { new Summary.Types.Value { Tag = tag, Image = image } } } });
    }

    void Write(Event e)
    {
        _holdsSummaries |= e.WhatCase == Event.WhatOneofCase.Summary;
        TfRecord.Write(_stream, e.ToByteArray());
        _stream.Flush();
    }

    /// <summary>
    /// The file's time stamp: now, or one second past the folder's newest file. TensorBoard reads
    /// a folder's files in name order, so a resume in the same second as the run it continues
    /// must still sort after it.
    /// </summary>
    static long SecondsAfter(string[] earlierFiles)
    {
        long seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (string earlier in earlierFiles)
        {
            string stamp = System.IO.Path.GetFileName(earlier)[FilePrefix.Length..].Split('.')[0];
            if (long.TryParse(stamp, out long earlierSeconds)) seconds = Math.Max(seconds, earlierSeconds + 1);
        }
        return seconds;
    }

    static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Rewrites an event file without its events past a step (and any cut-off tail), or deletes it when no summary would remain.</summary>
    static void DropStepsAfter(string path, long keepThroughStep)
    {
        var records = TfRecord.ReadAll(path);
        var kept = records.Where(record => Event.Parser.ParseFrom(record) is var e &&
                                           (e.WhatCase == Event.WhatOneofCase.FileVersion || e.Step <= keepThroughStep)).ToList();
        if (kept.Count == records.Count && new FileInfo(path).Length == records.Sum(r => r.Length + TfRecord.FramingBytes)) return;
        if (kept.All(record => Event.Parser.ParseFrom(record).WhatCase != Event.WhatOneofCase.Summary))
        {
            File.Delete(path);
            return;
        }
        // No "tfevents" in the temporary name, so TensorBoard never reads the half-written copy.
        string temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, ".events-rewrite.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            foreach (var record in kept) TfRecord.Write(stream, record);
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!_holdsSummaries) File.Delete(Path);
    }
}
