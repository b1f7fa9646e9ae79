using System.CommandLine;
using System.Text.Json;
using RandSac.Cli.Output;
using RandSac.Data;
using RandSac.Evaluation;
using RandSac.IO;
using static TorchSharp.torch;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac embed</c>: the pooled features of one split, for heads, retrieval or plots of one's
/// own: a safetensors file with <c>features</c> (N, D) float32, <c>labels</c> (N) and <c>index</c>
/// (N, each image's place in the split) int64, and the class names and sources in its metadata.
/// </summary>
public static class EmbedCommand
{
    public static Command Create(CliContext context)
    {
        var shared = new EvaluationOptions();
        var split = new Option<DataSplit>("--split") { Description = "train or test.", DefaultValueFactory = _ => DataSplit.Test };
        var output = new Option<string>("--out") { Description = "A new safetensors file for the features.", Required = true };
        var command = new Command("embed", "Write an encoder's pooled features (N, D), labels and image indices of one split to safetensors.")
        {
            split, output,
        };
        shared.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            string target = Path.GetFullPath(parse.GetValue(output)!);
            if (File.Exists(target) || Directory.Exists(target)) throw new UserInputException($"{target} already exists; choose another --out");
            var which = parse.GetValue(split);
            using var setup = shared.Open(context, parse, scored: false);
            using var encoder = setup.Encoder(randomInit: false);
            var dataset = which == DataSplit.Train ? setup.Train : setup.Test;
            context.Out.WriteLine($"embedding {dataset.Count} {which.ToString().ToLowerInvariant()} images of {setup.Dataset.DisplayName} with {setup.Source}");
            using var features = ConsoleEvaluationObserver.Run(context, observer =>
                FeatureExtractor.Extract(encoder, dataset, shared.FeatureBatch(parse), observer, $"{which.ToString().ToLowerInvariant()} features", cancel));
            using var labels = features.LabelTensor();
            using var index = tensor((which == DataSplit.Train ? setup.TrainIndices : setup.TestIndices).Select(i => (long)i).ToArray());
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "randsac-features",
                ["checkpoint"] = setup.CheckpointPath,
                ["checkpoint_sha256"] = setup.CheckpointSha256,
                ["encoder"] = setup.Source,
                ["dataset"] = JsonSerializer.Serialize(setup.Dataset, Training.PretrainConfig.Json),
                ["split"] = which.ToString().ToLowerInvariant(),
                ["class_names"] = JsonSerializer.Serialize(dataset.ClassNames),
                ["normalisation"] = Normalisation.Of(dataset).ToJson(),
            };
            string temp = target + ".tmp";
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var stream = File.Create(temp))
                Safetensors.Write(stream, [new("features", features.Features), new("labels", labels), new("index", index)], metadata);
            File.Move(temp, target);
            context.Out.WriteLine($"wrote {target}: features [{string.Join(", ", features.Features.shape)}], labels, index");
            return Task.FromResult(0);
        });
        return command;
    }
}
