using System.CommandLine;
using System.Diagnostics;
using RandSac.Cli.Output;
using RandSac.Data;
using Spectre.Console;

namespace RandSac.Cli.Commands;

/// <summary><c>randsac dataset</c>: loads a dataset and describes it, to check data before a long run.</summary>
public static class DatasetCommand
{
    public static Command Create(CliContext context)
    {
        var data = new DatasetOptions();
        var split = new Option<DataSplit>("--split") { Description = "Which split to load.", DefaultValueFactory = _ => DataSplit.Train };
        var command = new Command("dataset", "Load a dataset split and show its size, classes, statistics, load time and memory.") { split };
        data.AddTo(command);
        command.SetAction(parse =>
        {
            var spec = data.Apply(parse);
            var clock = Stopwatch.StartNew();
            using var dataset = spec.Open(parse.GetValue(split));
            var loadTime = clock.Elapsed;
            var table = new Table().Title(Markup.Escape(dataset.Name)).AddColumn("").AddColumn("").HideHeaders();
            table.AddRow("images", $"{dataset.Count:N0} × {dataset.Channels}×{dataset.Height}×{dataset.Width} (uint8, {dataset.Count * (long)dataset.ImageBytes / 1048576.0:F0} MiB)");
            table.AddRow("classes", $"{dataset.ClassNames.Length}");
            table.AddRow("mean", string.Join(" ", dataset.Mean.Select(m => m.ToString("F4"))));
            table.AddRow("std", string.Join(" ", dataset.Std.Select(s => s.ToString("F4"))));
            table.AddRow("load time", $"{loadTime.TotalSeconds:F2} s");
            table.AddRow("peak memory", PeakMemory.Describe());
            context.Console.Write(table);

            var counts = dataset.ClassCounts();
            var classes = new Table().AddColumn("label").AddColumn("class").AddColumn(new TableColumn("images").RightAligned());
            for (int c = 0; c < counts.Length; c++)
                classes.AddRow(c.ToString(), Markup.Escape(dataset.ClassNames[c]), counts[c].ToString("N0"));
            context.Console.Write(classes);
            return 0;
        });
        return command;
    }
}
