using System.CommandLine;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>--out</c> and <c>--overwrite</c> of a command that draws a PNG. An existing file is kept
/// unless <c>--overwrite</c> is given, and even then only a PNG is replaced, and never one of the
/// command's inputs: a picture must not take the place of a checkpoint, a log or a dataset image.
/// </summary>
public sealed class PictureOutput(string description, bool required)
{
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    readonly Option<FileInfo?> _out = new("--out") { Description = description, Required = required };

    readonly Option<bool> _overwrite = new("--overwrite") { Description = "Replace the picture at --out if it exists (only a PNG)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_out);
        command.Options.Add(_overwrite);
    }

    /// <summary>
    /// The full path to write, or null when <c>--out</c> is not given. <paramref name="inputs"/> are the
    /// command's inputs (files or folders, by option name), which the picture may neither be nor sit inside.
    /// </summary>
    public string? Resolve(ParseResult parse, params (string Option, string? Path)[] inputs)
    {
        if (parse.GetValue(_out) is not { } file) return null;
        string path = file.FullName;
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new UserInputException($"--out {path}: pictures are written as PNG; give a name ending in .png");
        if (Directory.Exists(path)) throw new UserInputException($"--out {path} is a folder");
        foreach (var (option, input) in inputs)
        {
            if (input is null) continue;
            string full = Path.GetFullPath(input).TrimEnd(Path.DirectorySeparatorChar);
            if (path == full || path.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new UserInputException($"--out {path} would write over the command's input ({option} {full}); choose another --out");
        }
        if (!File.Exists(path)) return path;
        if (!parse.GetValue(_overwrite))
            throw new UserInputException($"--out {path} already exists; pass --overwrite to replace it, or choose another --out");
        if (!IsPng(path))
            throw new UserInputException($"--out {path} exists and is not a PNG; --overwrite only replaces pictures");
        return path;
    }

    static bool IsPng(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[PngSignature.Length];
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.AsSpan().SequenceEqual(PngSignature);
    }
}
