using System.Globalization;
using RandSac.Evaluation;
using Spectre.Console;

namespace RandSac.Cli.Output;

/// <summary>Prints an evaluation's accuracies: a summary line and a per-class table.</summary>
public static class EvaluationReport
{
    public static void Write(CliContext context, string title, ClassificationResult result, TimeSpan wall, string recordPath)
    {
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{title}: top-1 {100 * result.Top1:F2}% · top-5 {100 * result.Top5:F2}% on {result.Count} test images · {wall:hh\\:mm\\:ss}"));
        var table = new Table().Title(Markup.Escape($"{title} · per class")).AddColumn("class")
            .AddColumn(new TableColumn("images").RightAligned())
            .AddColumn(new TableColumn("correct").RightAligned())
            .AddColumn(new TableColumn("top-1").RightAligned());
        foreach (var c in result.PerClass)
            table.AddRow(Markup.Escape(c.Name), c.Count.ToString(CultureInfo.InvariantCulture),
                c.Correct.ToString(CultureInfo.InvariantCulture),
                c.Top1 is not { } top1 ? "–" : (100 * top1).ToString("F1", CultureInfo.InvariantCulture) + "%");
        context.Console.Write(table);
        context.Out.WriteLine($"result: {recordPath}");
    }
}
