using RandSac.Studies;
using ScottPlot;

namespace RandSac.Cli.Studies;

/// <summary>
/// <c>results.png</c>: for every claim its two arms side by side as bars of the claim's metric
/// (mean over seeds, error bar ± SE), the paper's value of each as a black marker.
/// </summary>
public static class StudyChart
{
    public const string FileName = "results.png";

    public static string? Save(string folder, StudyDefinition study, StudyResults results)
    {
        var plot = new Plot();
        var ticks = new List<Tick>();
        var paperX = new List<double>();
        var paperY = new List<double>();
        double x = 0;
        var palette = new ScottPlot.Palettes.Category10();
        int drawn = 0;
        foreach (var (claim, index) in study.Claims.Select((c, i) => (c, i)))
        {
            var color = palette.GetColor(index);
            foreach (var (arm, better) in new[] { (claim.Better, true), (claim.Worse, false) })
            {
                var summary = ArmSummary.Of(results.Of(arm, claim.Metric));
                if (summary is not null)
                {
                    plot.Add.Bar(new Bar
                    {
                        Position = x,
                        Value = summary.Mean,
                        Error = summary.StandardError,
                        FillColor = better ? color : color.WithAlpha(0.45),
                    });
                    drawn++;
                }
                double? paper = claim.Metric switch
                {
                    StudyMetric.Lin => StudyFile.Arm(study, arm).Paper?.Lin,
                    StudyMetric.Ft => StudyFile.Arm(study, arm).Paper?.Ft,
                    _ => null,
                };
                if (paper is { } p)
                {
                    paperX.Add(x);
                    paperY.Add(p);
                }
                ticks.Add(new Tick(x, $"{claim.Id}: {arm} ({StudyFile.Kebab(claim.Metric)})"));
                x += 1;
            }
            x += 0.8;
        }
        if (drawn == 0) return null;
        if (paperX.Count > 0)
        {
            var markers = plot.Add.Markers(paperX.ToArray(), paperY.ToArray(), MarkerShape.FilledDiamond, 9, Colors.Black);
            markers.LegendText = "paper (full scale)";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 50;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 190;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("top-1 on the test split (%)");
        plot.Title($"study {study.Name}: each claim's better arm (solid) and worse arm (pale), ± SE");
        plot.ShowLegend(Edge.Right);
        string path = Path.Combine(folder, FileName);
        plot.SavePng(path + ".tmp.png", Math.Max(900, 60 * ticks.Count + 300), 700);
        File.Move(path + ".tmp.png", path, overwrite: true);
        return path;
    }
}
