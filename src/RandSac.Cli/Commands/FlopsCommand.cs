using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RandSac.Benchmarks;
using RandSac.Models;
using Spectre.Console;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac flops</c>: parameters and forward MACs per image of the encoder, the skip layer
/// and the decoder for a configuration (the paper's Table 11 view), from the analytic count.
/// </summary>
public static class FlopsCommand
{
    public static Command Create(CliContext context)
    {
        var shape = new ModelShapeOptions();
        var batch = new Option<int>("--batch")
        {
            Description = "Batch the padded lengths of ragged segments (blobs) are averaged over.",
            DefaultValueFactory = _ => 64,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("flops", "Parameters and MACs per image of encoder, skip layer and decoder for a configuration.")
        {
            batch, json,
        };
        shape.AddTo(command);
        command.SetAction(parse =>
        {
            var (options, segments, order) = shape.Read(parse);
            int batchSize = parse.GetValue(batch);
            if (batchSize <= 0) throw new UserInputException($"--batch must be positive, got {batchSize}");
            ModelCost cost;
            using (var model = PretrainerFactory.Create(options))
                cost = ModelCost.Of(model, options, SequenceLengths.Sample(options, segments, order, batchSize));
            string label = ModelShapeOptions.Describe(options, segments, order);
            if (parse.GetValue(json)) context.Out.WriteLine(Json(label, cost));
            else Print(context, label, cost);
            return 0;
        });
        return command;
    }

    static string Json(string label, ModelCost cost) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["config"] = label,
        ["encoder_tokens"] = cost.Lengths.Encoder,
        ["decoder_tokens"] = cost.Lengths.Decoder,
        ["parts"] = cost.Parts.Select(p => new Dictionary<string, object>
        {
            ["name"] = p.Name,
            ["parameters"] = p.Parameters,
            ["macs"] = p.Macs,
        }).ToList(),
        ["parameters"] = cost.Parameters,
        ["macs"] = cost.Macs,
        ["train_flops_per_image"] = cost.TrainFlopsPerImage,
    });

    static void Print(CliContext context, string label, ModelCost cost)
    {
        var table = new Table().Title(Markup.Escape(label)).AddColumn("part").AddColumn("parameters", c => c.RightAligned())
            .AddColumn("MACs / image", c => c.RightAligned());
        foreach (var part in cost.Parts)
            table.AddRow(part.Name, Millions(part.Parameters), Giga(part.Macs));
        table.AddRow("[bold]total[/]", Millions(cost.Parameters), Giga(cost.Macs));
        context.Console.Write(table);
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tokens per image: encoder {cost.Lengths.Encoder:0.##}, decoder {cost.Lengths.Decoder:0.##}; " +
            $"training ≈ {cost.TrainFlopsPerImage / 1e9:F3} GFLOP per image (3 × forward, 2 FLOPs per MAC)"));
    }

    static string Millions(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + string.Create(CultureInfo.InvariantCulture, $" ({n / 1e6:F2}M)");

    static string Giga(double macs) => macs >= 1e8
        ? string.Create(CultureInfo.InvariantCulture, $"{macs / 1e9:F3} G")
        : string.Create(CultureInfo.InvariantCulture, $"{macs / 1e6:F2} M");
}
