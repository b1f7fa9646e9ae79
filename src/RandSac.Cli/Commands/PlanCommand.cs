using System.CommandLine;
using System.Text;
using RandSac.Data;
using RandSac.Pictures;
using RandSac.Plans;
using RandSac.Segments;

namespace RandSac.Cli.Commands;

/// <summary><c>randsac plan</c>: draws one image's segment plan and optionally prints its masks.</summary>
public static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var segments = CommonOptions.Segments();
        var order = CommonOptions.Order();
        var patch = CommonOptions.Patch();
        var seed = new Option<int>("--seed") { Description = "Seed of the segment and order draw.", DefaultValueFactory = _ => 0 };
        var output = new PictureOutput("Where to write the picture (PNG). Without it, nothing is drawn.", required: false);
        var scale = new Option<int>("--scale")
        {
            Description = "Screen pixels per image pixel in the picture.",
            DefaultValueFactory = _ => 12,
        };
        var printMasks = new Option<bool>("--print-masks")
        {
            Description = "Print the token sequence and the three attention masks (for grids of up to 64 tokens).",
        };
        var data = new DatasetOptions();
        var index = new Option<int>("--index") { Description = "Which dataset image to draw the plan over.", DefaultValueFactory = _ => 0 };

        var command = new Command("plan",
            "Sample one image's segments and order and show what the model will predict from what.")
        {
            segments, order, patch, seed, scale, printMasks, index,
        };
        output.AddTo(command);
        data.AddTo(command);
        command.SetAction(parse =>
        {
            int patchSize = parse.GetValue(patch);
            var spec = data.Apply(parse);
            string? picturePath = output.Resolve(parse, ("--data", spec.Path));
            using var dataset = spec.Open(DataSplit.Train, patchSize);
            int imageIndex = parse.GetValue(index);
            if (imageIndex < 0 || imageIndex >= dataset.Count)
                throw new UserInputException($"--index {imageIndex} is outside the dataset's {dataset.Count} images");
            var grid = TokenGrid.ForImage(dataset.Height, dataset.Width, patchSize);
            var sampler = PlanSampler.Parse(parse.GetValue(segments)!, parse.GetValue(order)!, grid);
            var plan = sampler.SampleImage(new Random(parse.GetValue(seed)));

            var sizes = plan.Segmentation.Sizes();
            context.Out.WriteLine(
                $"{sampler.Segmenter.Spec} · {sampler.Order.Spec} on {grid.Rows}×{grid.Cols} tokens: " +
                $"{plan.SegmentCount} segments, sizes in order [{string.Join(" ", plan.Ordering.Sequence.Select(s => sizes[s]))}], " +
                $"{plan.EncoderTokens.Length} encoder tokens, {plan.DecoderTokens.Length} decoder targets");
            for (int level = 0; level < plan.Ordering.PartitionsOfSegment.Count; level++)
                context.Out.WriteLine($"level {level + 1} partitions along the order (ranks): {Partitions(plan, level)}");
            if (parse.GetValue(printMasks)) PrintMasks(context.Out, plan);

            if (picturePath is not null)
            {
                int pictureScale = parse.GetValue(scale);
                if (pictureScale is < 1 or > 64) throw new UserInputException($"--scale {pictureScale} must be between 1 and 64");
                var pixels = dataset.GetPixels(imageIndex);
                string title = $"{dataset.Name} #{imageIndex} · {sampler.Segmenter.Spec} · {sampler.Order.Spec} · seed {parse.GetValue(seed)}";
                using var picture = PlanPicture.Draw(plan, pixels, dataset.Channels, dataset.Height, dataset.Width,
                    patchSize, title, pictureScale);
                Png.Save(picture, picturePath);
                context.Out.WriteLine($"wrote {picturePath}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Ranks grouped by partition, e.g. <c>[0 1] [2 3 4] [5]</c>.</summary>
    static string Partitions(ImagePlan plan, int level)
    {
        var partition = plan.Ordering.PartitionsOfSegment[level];
        var groups = new List<List<int>>();
        int previous = -1;
        for (int rank = 0; rank < plan.Ordering.Sequence.Length; rank++)
        {
            int p = partition[plan.Ordering.Sequence[rank]];
            if (p != previous) groups.Add([]);
            groups[^1].Add(rank);
            previous = p;
        }
        return string.Join(" ", groups.Select(g => $"[{string.Join(" ", g)}]"));
    }

    static void PrintMasks(TextWriter output, ImagePlan plan)
    {
        if (plan.RankOfToken.Length > 64)
            throw new UserInputException($"--print-masks is for grids of up to 64 tokens; this one has {plan.RankOfToken.Length}");
        using var batch = SegmentPlanBuilder.Build([plan]);
        var encoder = plan.EncoderTokens.ToArray();
        var decoder = plan.DecoderTokens.ToArray();
        output.WriteLine($"rank of each token (raster):  {string.Join(" ", plan.RankOfToken)}");
        output.WriteLine($"encoder tokens (sequence):    {string.Join(" ", encoder)}");
        output.WriteLine($"decoder targets (sequence):   {string.Join(" ", decoder)}");
        PrintMask(output, "encoder self-attention (row sees column iff r_col ≤ r_row)", batch.EncoderMask, encoder, encoder, plan);
        PrintMask(output, "decoder self-attention (row sees column iff r_col ≤ r_row)", batch.DecoderSelfMask, decoder, decoder, plan);
        PrintMask(output, "cross-attention, targets × encoder tokens (iff r_col < r_row)", batch.CrossMask, decoder, encoder, plan);
    }

    static void PrintMask(TextWriter output, string title, TorchSharp.torch.Tensor mask, int[] rows, int[] cols, ImagePlan plan)
    {
        output.WriteLine();
        output.WriteLine(title + ":");
        var allowed = mask[0, 0].data<bool>().ToArray();
        for (int r = 0; r < rows.Length; r++)
        {
            var line = new StringBuilder($"  t{rows[r],-3} r{plan.RankOfToken[rows[r]],-3} ");
            for (int c = 0; c < cols.Length; c++) line.Append(allowed[r * cols.Length + c] ? '1' : '.');
            output.WriteLine(line.ToString());
        }
    }
}
