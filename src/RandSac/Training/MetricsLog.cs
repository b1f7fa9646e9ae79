using System.Globalization;

namespace RandSac.Training;

/// <summary>
/// The per-step metrics CSV of a run. On resume, rows past the checkpoint's step are dropped,
/// so the log always describes one uninterrupted run. With a probe, a last column holds its
/// reading on the steps it ran (empty on the others).
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.csv";
    const string Header = "step,epoch,loss,lr,images_per_s,elapsed_s";
    readonly StreamWriter _writer;
    readonly bool _probe;

    public MetricsLog(string folder, long keepThroughStep, string? probeColumn = null)
    {
        Path = System.IO.Path.Combine(folder, FileName);
        _probe = probeColumn is not null;
        var kept = new List<string> { _probe ? $"{Header},{probeColumn}" : Header };
        if (keepThroughStep > 0 && File.Exists(Path))
            kept.AddRange(File.ReadLines(Path).Skip(1)
                .Where(line => long.TryParse(line.Split(',')[0], CultureInfo.InvariantCulture, out long step) && step <= keepThroughStep));
        File.WriteAllLines(Path, kept);
        _writer = new StreamWriter(Path, append: true) { AutoFlush = true };
    }

    public string Path { get; }

    public void Write(StepMetrics m) => _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{m.Step},{m.Epoch},{m.Loss:G9},{m.Lr:G9},{m.ImagesPerSecond:F2},{m.Elapsed.TotalSeconds:F3}") +
        (_probe ? "," + m.Probe?.Value.ToString("G6", CultureInfo.InvariantCulture) : ""));

    /// <summary>(step, loss) pairs of a metrics file, for plots.</summary>
    public static List<(long Step, double Loss)> ReadLosses(string path) => File.ReadLines(path).Skip(1)
        .Select(line => line.Split(','))
        .Select(cells => (long.Parse(cells[0], CultureInfo.InvariantCulture), double.Parse(cells[2], CultureInfo.InvariantCulture)))
        .ToList();

    public void Dispose() => _writer.Dispose();
}
