using RandSac.Training;

namespace RandSac.Cli.Output;

/// <summary>The loss curve of a run as a PNG, from its metrics log.</summary>
public static class LossCurve
{
    public const string FileName = "loss.png";

    public static string Save(string metricsPath, string folder, string title)
    {
        var losses = MetricsLog.ReadLosses(metricsPath);
        var plot = new ScottPlot.Plot();
        plot.Add.ScatterLine(losses.Select(l => (double)l.Step).ToArray(), losses.Select(l => l.Loss).ToArray());
        plot.Title(title);
        plot.XLabel("optimiser step");
        plot.YLabel("loss");
        string path = Path.Combine(folder, FileName);
        string temp = path + ".tmp.png";
        plot.SavePng(temp, 900, 500);
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
