using System.CommandLine;
using RandSac.IO;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary><c>randsac export</c>: a checkpoint's encoder as timm-style safetensors.</summary>
public static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "A pre-training checkpoint (checkpoint.safetensors).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the encoder (safetensors).", Required = true };
        var channels = new Option<int>("--channels") { Description = "Image channels the model was trained on.", DefaultValueFactory = _ => 3 };
        var command = new Command("export",
            "Write a checkpoint's encoder with timm ViT names (plus its sin-cos pos_embed), ready for PyTorch.")
        {
            checkpoint, output, channels,
        };
        command.SetAction(parse =>
        {
            var target = parse.GetValue(output)!.FullName;
            if (File.Exists(target)) throw new UserInputException($"{target} already exists; choose another --out");
            using var saved = Checkpoint.Load(parse.GetValue(checkpoint)!.FullName);
            TimmExport.Write(saved, parse.GetValue(channels), target);
            context.Out.WriteLine($"wrote {target}: the {saved.Config.Model} encoder at step {saved.Step} with timm names");
            return 0;
        });
        return command;
    }
}
