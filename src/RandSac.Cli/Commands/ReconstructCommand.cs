using System.CommandLine;
using RandSac.Data;
using RandSac.Models;
using RandSac.Pictures;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary><c>randsac reconstruct</c>: shows what a checkpoint predicts for a few images.</summary>
public static class ReconstructCommand
{
    public static Command Create(CliContext context)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "A pre-training checkpoint (checkpoint.safetensors).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the picture (PNG).", Required = true };
        var data = new DatasetOptions();
        var count = new Option<int>("--count") { Description = "How many images.", DefaultValueFactory = _ => 8 };
        var first = new Option<int>("--first") { Description = "Index of the first image of the test split.", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the segment plans (or MAE masks) drawn.", DefaultValueFactory = _ => 0 };
        var scale = new Option<int>("--scale") { Description = "Screen pixels per image pixel.", DefaultValueFactory = _ => 6 };

        var command = new Command("reconstruct",
            "Draw input, plan and prediction for test images, from a checkpoint (the dataset defaults to the one it was trained on).")
        {
            checkpoint, output, count, first, seed, scale,
        };
        data.AddTo(command);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(checkpoint)!.FullName;
            using var saved = Checkpoint.Load(path);
            var config = saved.Config;
            int images = parse.GetValue(count), start = parse.GetValue(first), pictureScale = parse.GetValue(scale);
            if (images is < 1 or > 64) throw new UserInputException($"--count {images} must be between 1 and 64");
            if (pictureScale is < 1 or > 32) throw new UserInputException($"--scale {pictureScale} must be between 1 and 32");

            using var dataset = DatasetOptions.Open(data.Apply(parse, config.Dataset), config.Patch, DataSplit.Test);
            if (start < 0 || start + images > dataset.Count)
                throw new UserInputException($"--first {start} --count {images} runs past the test split's {dataset.Count} images");
            var options = config.ModelOptions(dataset.Channels, dataset.Height);
            if (options.Encoder.ImageHeight != dataset.Height || dataset.Channels != options.Encoder.Channels)
                throw new UserInputException($"the checkpoint was trained on {config.Dataset.ImageSize}px images, the dataset has {dataset.Height}px");
            using var model = PretrainerFactory.Create(options);
            model.load_state_dict(saved.Model, strict: true);

            var sampler = PretrainerFactory.CreateInputSampler(options, config.Segments, config.Order);
            using var inputs = sampler.Sample(images, parse.GetValue(seed));
            var indices = Enumerable.Range(start, images).ToArray();
            var results = Reconstruction.Run(model, dataset, indices, inputs, config.NormPixLoss, config.Patch);
            var plans = Enumerable.Range(0, images).Select(i => inputs.Plan?.Images[i]).ToList();
            var caption = new List<string> { $"{config.Method} · {config.Model} · {config.Segments} · {config.Order} · {dataset.Name} · checkpoint step {saved.Step}" };
            if (config.NormPixLoss)
                caption.Add("norm-pix loss: predictions are un-normalised with each target patch's own mean and variance");
            using var picture = ReconstructionPicture.Draw(results, plans, dataset.Channels, dataset.Height, dataset.Width,
                config.Patch, pictureScale, caption);
            Png.Save(picture, parse.GetValue(output)!.FullName);
            context.Out.WriteLine($"wrote {parse.GetValue(output)!.FullName} ({images} images of {dataset.Name}, checkpoint step {saved.Step})");
            return 0;
        });
        return command;
    }
}
