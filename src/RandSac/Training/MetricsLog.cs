using System.Globalization;

namespace RandSac.Training;

/// <summary>
/// The per-step metrics CSV of a run. On resume, rows past the checkpoint's step are dropped,
/// so the log always describes one uninterrupted run; so are rows that do not parse (a line cut
/// short by a kill, or written by something else), since the checkpoint, not the log, is what a
/// resume trusts. With a probe, a last column holds its reading on the steps it ran (empty on the others).
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.csv";
    const string Header = "step,epoch,loss,lr,images_per_s,elapsed_s";
    const int Columns = 6;
    readonly StreamWriter _writer;
    readonly bool _probe;

    public MetricsLog(string folder, long keepThroughStep, string? probeColumn = null)
    {
        Path = System.IO.Path.Combine(folder, FileName);
        _probe = probeColumn is not null;
        var kept = new List<string> { _probe ? $"{Header},{probeColumn}" : Header };
        if (keepThroughStep > 0 && File.Exists(Path))
            kept.AddRange(ReadRows(Path).Where(row => row.Step <= keepThroughStep).Select(row => row.Line));
        // Rewritten through a temporary file: a kill now must not lose the rows already kept.
        string temp = Path + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, Path, overwrite: true);
        _writer = new StreamWriter(Path, append: true) { AutoFlush = true };
    }

    public string Path { get; }

    public void Write(StepMetrics m) => _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{m.Step},{m.Epoch},{m.Loss:G9},{m.Lr:G9},{m.ImagesPerSecond:F2},{m.Elapsed.TotalSeconds:F3}") +
        (_probe ? "," + m.Probe?.Value.ToString("G6", CultureInfo.InvariantCulture) : ""));

    /// <summary>(step, loss) pairs of a metrics file, for plots and summaries; rows that do not parse are skipped.</summary>
    public static List<(long Step, double Loss)> ReadLosses(string path) =>
        File.Exists(path) ? ReadRows(path).Select(row => (row.Step, row.Loss)).ToList() : [];

    /// <summary>The well-formed rows: every column a number (the probe's may be empty), steps rising.</summary>
    static IEnumerable<(long Step, double Loss, string Line)> ReadRows(string path)
    {
        long previous = 0;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var cells = line.Split(',');
            if (cells.Length is < Columns or > Columns + 1) continue;
            if (!long.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out long step) || step <= previous) continue;
            if (!cells.Skip(1).Take(Columns - 1).All(IsNumber) || (cells.Length > Columns && cells[^1].Length > 0 && !IsNumber(cells[^1]))) continue;
            previous = step;
            yield return (step, double.Parse(cells[2], CultureInfo.InvariantCulture), line);
        }
    }

    static bool IsNumber(string cell) => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    public void Dispose() => _writer.Dispose();
}
