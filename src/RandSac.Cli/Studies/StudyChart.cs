using RandSac.Studies;
using ScottPlot;

namespace RandSac.Cli.Studies;

/// <summary>
/// <c>results.png</c>: for every claim its two arms side by side as bars of the claim's metric
/// (mean over seeds, error bar ± SE), the paper's value of each as a black marker; the labels of a
/// claim that the study's minimum gain leaves uncounted say so.
/// </summary>
public static class StudyChart
{
    public const string FileName = "results.png";

    /// <summary>One bar of the chart: an arm of a claim at its position, with what is drawn of it.</summary>
    public sealed record Column(double X, int Claim, bool Better, string Label, ArmSummary? Measured, double? Paper);

    /// <summary>The bars in claim order, a claim's better arm first.</summary>
    public static IReadOnlyList<Column> Columns(StudyDefinition study, StudyResults results)
    {
        var columns = new List<Column>();
        double x = 0;
        foreach (var (claim, index) in study.Claims.Select((c, i) => (c, i)))
        {
            string counted = RandomInitGain.WhyNotCounted(study, results, claim) is null ? "" : ", not counted";
            foreach (var (arm, better) in new[] { (claim.Better, true), (claim.Worse, false) })
            {
                double? paper = claim.Metric switch
                {
                    StudyMetric.Lin => StudyFile.Arm(study, arm).Paper?.Lin,
                    StudyMetric.Ft => StudyFile.Arm(study, arm).Paper?.Ft,
                    _ => null,
                };
                columns.Add(new Column(x, index, better, $"{claim.Id}: {arm} ({StudyFile.Kebab(claim.Metric)}{counted})",
                    ArmSummary.Of(results.Of(arm, claim.Metric)), paper));
                x += 1;
            }
            x += 0.8;
        }
        return columns;
    }

    public static string? Save(string folder, StudyDefinition study, StudyResults results)
    {
        var columns = Columns(study, results);
        if (columns.All(c => c.Measured is null)) return null;
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var column in columns.Where(c => c.Measured is not null))
        {
            var color = palette.GetColor(column.Claim);
            plot.Add.Bar(new Bar
            {
                Position = column.X,
                Value = column.Measured!.Mean,
                Error = column.Measured.StandardError,
                FillColor = column.Better ? color : color.WithAlpha(0.45),
            });
        }
        var withPaper = columns.Where(c => c.Paper is not null).ToList();
        if (withPaper.Count > 0)
        {
            var markers = plot.Add.Markers(withPaper.Select(c => c.X).ToArray(), withPaper.Select(c => c.Paper!.Value).ToArray(),
                MarkerShape.FilledDiamond, 9, Colors.Black);
            markers.LegendText = "paper (full scale)";
        }
        var ticks = columns.Select(c => new Tick(c.X, c.Label)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 50;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 190;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("top-1 on the test split (%)");
        plot.Title($"study {study.Name}: each claim's better arm (solid) and worse arm (pale), ± SE");
        plot.ShowLegend(Edge.Right);
        string path = Path.Combine(folder, FileName);
        plot.SavePng(path + ".tmp.png", Math.Max(900, 60 * ticks.Length + 300), 700);
        File.Move(path + ".tmp.png", path, overwrite: true);
        return path;
    }
}
