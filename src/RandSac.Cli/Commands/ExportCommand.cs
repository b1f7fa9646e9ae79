using System.CommandLine;
using RandSac.Data;
using RandSac.Evaluation;
using RandSac.IO;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac export</c>: a checkpoint's encoder for timm: a folder in timm's local layout
/// (model.safetensors, config.json, README.md), or one safetensors file with the same metadata.
/// </summary>
public static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A pre-training checkpoint, or the run folder that holds checkpoint.safetensors.", Required = true };
        var output = new Option<string>("--out")
        {
            Description = "A new folder for model.safetensors + config.json + README.md (timm's local-folder layout), " +
                          "or a path ending in .safetensors for a single file with config.json in its metadata.",
            Required = true,
        };
        var command = new Command("export",
            "Write a checkpoint's encoder for timm: VisionTransformer(**config['model_args']) loads it with strict=True.")
        {
            checkpoint, output,
        };
        command.SetAction(parse =>
        {
            string target = Path.GetFullPath(parse.GetValue(output)!);
            if (File.Exists(target) || Directory.Exists(target)) throw new UserInputException($"{target} already exists; choose another --out");
            string path = WeightsFile.Resolve(parse.GetValue(checkpoint)!);
            if (!File.Exists(path)) throw new UserInputException($"--checkpoint: {path} does not exist");
            string sha256 = EvaluationRecord.Sha256(path);
            // Checkpoint.Load names what is wrong with a file that is damaged or not a RandSac checkpoint.
            using var saved = CheckpointFile.Load(context, path);
            var config = saved.Config;
            int channels = saved.Model.TryGetValue("encoder.patch_embed.proj.weight", out var patch)
                ? (int)patch.shape[1]
                : throw new InvalidDataException($"{path}: the checkpoint holds no encoder.patch_embed.proj.weight");
            using var encoder = EvaluationEncoder.FromCheckpoint(saved, EvaluationEncoder.ConfigOf(config, channels, config.Dataset.ImageSize));
            var normalisation = saved.Normalisation ?? Measured(context, config.Dataset, config.Patch);
            var card = new ExportCard($"{config.Dataset.DisplayName}{(config.Dataset.Path is { } data ? $" ({data})" : "")}",
                config.Method, config.Epochs, saved.Step, config.Seed, sha256, normalisation.Mean, normalisation.Std,
                ExportCard.FindEvaluations(Path.GetDirectoryName(path)!, sha256));
            bool single = target.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
            if (single) TimmExport.WriteFile(encoder, card, target);
            else TimmExport.WriteFolder(encoder, card, target);
            context.Out.WriteLine($"wrote {target}: the {config.Model} encoder at step {saved.Step} for timm " +
                                  $"({card.Evaluations.Count} evaluation record(s) in the card); load it with");
            context.Out.WriteLine($"  {TimmExport.TimmRecipe(encoder.Config)}.load_state_dict(state, strict=True)");
            context.Out.WriteLine($"  inputs normalised with {normalisation}");
            return 0;
        });
        return command;
    }

    /// <summary>Checkpoints written before normalisation was recorded: measure the training split again.</summary>
    static Normalisation Measured(CliContext context, DatasetSpec spec, int patch)
    {
        using var train = spec.Open(DataSplit.Train, patch);
        context.Out.WriteLine($"the checkpoint does not record its normalisation; measured it on {train.Name}");
        return Normalisation.Of(train);
    }
}
