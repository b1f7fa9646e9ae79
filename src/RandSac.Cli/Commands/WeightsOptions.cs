using System.CommandLine;
using RandSac.IO;
using RandSac.Models;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>
/// What every command that reads an encoder takes: <c>--checkpoint</c> (a RandSac checkpoint or
/// its run folder, or weights to import: timm/DeiT safetensors or .pth, an MAE checkpoint, a
/// RandSac export), and for imports <c>--heads</c> and <c>--pool</c>.
/// </summary>
public sealed class WeightsOptions
{
    readonly Option<string> _checkpoint = new("--checkpoint")
    {
        Description = "A RandSac checkpoint or its run folder; or weights to import: a timm/DeiT ViT state dict " +
                      "(.safetensors, .pth, or a folder with model.safetensors and config.json), an MAE checkpoint ({'model': ...}). " +
                      "A random baseline (--random-init, --from-scratch) also takes a run's config.json alone. Results are written next to it.",
        Required = true,
    };

    readonly Option<int?> _heads = new("--heads")
    {
        Description = "Attention heads of an imported ViT, when neither a config.json beside it nor its metadata says.",
    };

    readonly Option<string?> _pool = new("--pool")
    {
        Description = "Features of an imported ViT: avg (mean of the patch tokens; default for MAE and class-token-free weights) " +
                      "or token (the class token; default for timm/DeiT weights with one).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_checkpoint);
        command.Options.Add(_heads);
        command.Options.Add(_pool);
    }

    /// <summary>The weights file the option names (a run folder's checkpoint, a timm folder, or the file).</summary>
    public string ResolvePath(ParseResult parse)
    {
        string path = WeightsFile.Resolve(parse.GetValue(_checkpoint)!);
        if (!File.Exists(path) && !Directory.Exists(path)) throw new UserInputException($"--checkpoint: {path} does not exist");
        return path;
    }

    public ImportOptions ImportOptions(ParseResult parse)
    {
        int? heads = parse.GetValue(_heads);
        if (heads is <= 0) throw new UserInputException($"--heads must be positive, got {heads}");
        FeaturePool? pool = parse.GetValue(_pool) switch
        {
            null => null,
            "avg" => FeaturePool.Mean,
            "token" => FeaturePool.ClassToken,
            var other => throw new UserInputException($"--pool must be avg or token, got '{other}'"),
        };
        return new ImportOptions(heads, pool);
    }

    /// <summary>A RandSac checkpoint, or an imported encoder; exactly one is non-null. Notes go to the command's output.</summary>
    public (Checkpoint? Checkpoint, ImportedEncoder? Imported) Load(CliContext context, ParseResult parse, string path)
    {
        Action<string> note = context.Out.WriteLine;
        if (WeightsFile.IsRandSacCheckpoint(path))
        {
            if (parse.GetResult(_heads) is not null || parse.GetResult(_pool) is not null)
                throw new UserInputException($"--heads and --pool are for imported weights; {path} is a RandSac checkpoint, whose config says both");
            return (CheckpointFile.Load(context, path), null);
        }
        var imported = ImportedEncoder.Load(path, ImportOptions(parse), note);
        note($"imported {imported.Format} {Path.GetFileName(imported.Path)}: {Describe(imported.Config)}");
        return (null, imported);
    }

    public static string Describe(ViTConfig c) =>
        $"ViT {c.Dim}/{c.Depth}/{c.Heads} (dim/depth/heads), patch {c.PatchSize}, {c.ImageHeight}x{c.ImageWidth}, " +
        $"{(c.ClassToken ? "class token" : "no class token")}, features: {(c.Pool == FeaturePool.ClassToken ? "class token" : "mean of patch tokens")}";
}
