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
        var output = new PictureOutput("Where to write the picture (PNG).", required: true);
        var data = new DatasetOptions();
        var count = new Option<int>("--count") { Description = "How many images.", DefaultValueFactory = _ => 8 };
        var first = new Option<int?>("--first")
        {
            Description = "Draw consecutive test images from this index on (default: images spread evenly over the test split, so over its classes).",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the segment plans (or MAE masks) drawn.", DefaultValueFactory = _ => 0 };
        var scale = new Option<int>("--scale") { Description = "Screen pixels per image pixel.", DefaultValueFactory = _ => 6 };

        var command = new Command("reconstruct",
            "Draw input, plan and prediction for test images, from a checkpoint (the dataset defaults to the one it was trained on).")
        {
            checkpoint, count, first, seed, scale,
        };
        output.AddTo(command);
        data.AddTo(command);
        command.SetAction(parse =>
        {
            int images = parse.GetValue(count), pictureScale = parse.GetValue(scale);
            if (images is < 1 or > 64) throw new UserInputException($"--count {images} must be between 1 and 64");
            if (pictureScale is < 1 or > 32) throw new UserInputException($"--scale {pictureScale} must be between 1 and 32");
            string path = parse.GetValue(checkpoint)!.FullName;
            Render(context, path, dataset => data.Apply(parse, dataset), images, parse.GetValue(first), parse.GetValue(seed),
                pictureScale, dataset => output.Resolve(parse, ("--checkpoint", path), ("--data", dataset.Path))!);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Draws <paramref name="images"/> test images — from <paramref name="first"/> on, or spread
    /// evenly over the split when it is null — as the
    /// checkpoint predicts them; <paramref name="chooseDataset"/> may replace the checkpoint's dataset.
    /// <paramref name="choosePicture"/> gives the picture's path for the dataset (so it can refuse to
    /// write into it). With <paramref name="fewerIfShort"/>, a small test split gives fewer images instead of an error.
    /// </summary>
    public static void Render(CliContext context, string checkpointPath, Func<DatasetSpec, DatasetSpec> chooseDataset,
        int images, int? first, int seed, int scale, Func<DatasetSpec, string> choosePicture, bool fewerIfShort = false)
    {
        using var saved = CheckpointFile.Load(context, checkpointPath);
        var config = saved.Config;
        var spec = chooseDataset(config.Dataset);
        string picturePath = choosePicture(spec);
        using var dataset = spec.Open(DataSplit.Test, config.Patch);
        if (fewerIfShort) images = Math.Min(images, dataset.Count - (first ?? 0));
        if (first is { } start && (start < 0 || start + images > dataset.Count))
            throw new UserInputException($"--first {start} --count {images} runs past the test split's {dataset.Count} images");
        if (images > dataset.Count)
            throw new UserInputException($"--count {images} is more than the test split's {dataset.Count} images");
        if (dataset.Height != config.Dataset.ImageSize)
            throw new UserInputException($"the checkpoint was trained on {config.Dataset.ImageSize}px images, the dataset has {dataset.Height}px");
        var options = config.ModelOptions(dataset.Channels, dataset.Height);
        using var model = PretrainerFactory.Create(options);
        model.load_state_dict(saved.Model, strict: true);

        var sampler = PretrainerFactory.CreateInputSampler(options, config.Segments, config.Order);
        using var inputs = sampler.Sample(images, seed);
        var indices = first is { } from
            ? Enumerable.Range(from, images).ToArray()
            : Enumerable.Range(0, images).Select(i => (int)((long)i * dataset.Count / images)).ToArray();
        var results = Reconstruction.Run(model, dataset, indices, inputs, config.NormPixLoss, config.Patch);
        var plans = Enumerable.Range(0, images).Select(i => inputs.Plan?.Images[i]).ToList();
        var caption = new List<string> { $"{config.Method} · {config.Model} · {config.Segments} · {config.Order} · {dataset.Name} · checkpoint step {saved.Step}" };
        if (config.NormPixLoss)
            caption.Add("norm-pix loss: predictions are un-normalised with each target patch's own mean and variance");
        using var picture = ReconstructionPicture.Draw(results, plans, dataset.Channels, dataset.Height, dataset.Width,
            config.Patch, scale, caption);
        Png.Save(picture, picturePath);
        context.Out.WriteLine($"wrote {picturePath} ({images} images of {dataset.Name}, checkpoint step {saved.Step})");
    }
}
