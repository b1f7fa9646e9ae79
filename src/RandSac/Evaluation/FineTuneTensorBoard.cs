using System.Diagnostics;
using RandSac.IO.TensorBoard;

namespace RandSac.Evaluation;

/// <summary>
/// TensorBoard logging of a fine-tuning run, in a folder of its own: loss, learning rate and
/// images/s against the optimiser step, and top-1/top-5 on the test split at the last step.
/// </summary>
public sealed class FineTuneTensorBoard : IDisposable
{
    public const string LossTag = "finetune/loss", LrTag = "finetune/lr", ImagesPerSecondTag = "finetune/images_per_s",
        Top1Tag = "test/top1", Top5Tag = "test/top5";

    readonly EventFileWriter _writer;
    readonly Stopwatch _stepClock = Stopwatch.StartNew();

    public FineTuneTensorBoard(string folder) => _writer = new EventFileWriter(folder, keepThroughStep: 0);

    public string Folder => Path.GetDirectoryName(_writer.Path)!;

    /// <summary>
    /// A new folder for a fine-tuning run inside <paramref name="runFolder"/>, named after the
    /// run and the UTC time it starts, so TensorBoard shows each fine-tuning as a run of its own.
    /// </summary>
    public static string NewFolder(string runFolder, string name)
    {
        string stem = Path.Combine(runFolder, $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        string folder = stem;
        for (int n = 2; Directory.Exists(folder); n++) folder = $"{stem}-{n}";
        return folder;
    }

    /// <param name="step">Steps completed, counting this one.</param>
    public void OnStep(long step, double loss, double lr, int images)
    {
        _writer.Scalars(step, (LossTag, loss), (LrTag, lr), (ImagesPerSecondTag, images / _stepClock.Elapsed.TotalSeconds));
        _stepClock.Restart();
    }

    public void OnTest(long step, ClassificationResult accuracy) =>
        _writer.Scalars(step, (Top1Tag, accuracy.Top1), (Top5Tag, accuracy.Top5));

    public void Dispose() => _writer.Dispose();
}
