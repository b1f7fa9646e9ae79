using System.Text;
using RandSac.Training;

namespace RandSac.Cli.Output;

/// <summary>A run's learning rate over its optimiser steps: a PNG, and a line of block characters for the terminal.</summary>
public static class LearningRateCurve
{
    public const string FileName = "lr-schedule.png";

    const string Blocks = "▁▂▃▄▅▆▇█";

    /// <summary>Draws the schedule into the folder, with a dashed line where <paramref name="stopStep"/> ends a shorter run.</summary>
    public static string Save(LearningRateSchedule schedule, long stopStep, string folder, string title)
    {
        var steps = Enumerable.Range(0, (int)Math.Min(schedule.TotalSteps, 10_000))
            .Select(i => (double)(i * schedule.TotalSteps / Math.Min(schedule.TotalSteps, 10_000))).ToArray();
        var plot = new ScottPlot.Plot();
        plot.Add.ScatterLine(steps, steps.Select(s => schedule.At((long)s)).ToArray());
        if (stopStep < schedule.TotalSteps) plot.Add.VerticalLine(stopStep, pattern: ScottPlot.LinePattern.Dashed);
        plot.Title(title);
        plot.XLabel("optimiser step");
        plot.YLabel("learning rate");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName);
        string temp = path + ".tmp.png";
        plot.SavePng(temp, 900, 500);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>The lr at <paramref name="width"/> evenly spaced steps, each as one of eight block heights (full is the peak).</summary>
    public static string Sparkline(LearningRateSchedule schedule, int width = 60)
    {
        int points = (int)Math.Min(width, schedule.TotalSteps);
        var line = new StringBuilder(points);
        for (int i = 0; i < points; i++)
        {
            double lr = schedule.At(i * schedule.TotalSteps / points);
            int level = schedule.PeakLr > 0 ? (int)Math.Round(lr / schedule.PeakLr * (Blocks.Length - 1)) : 0;
            line.Append(Blocks[Math.Clamp(level, 0, Blocks.Length - 1)]);
        }
        return line.ToString();
    }
}
