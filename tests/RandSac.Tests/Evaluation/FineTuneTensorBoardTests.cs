using System.Text.Json;
using RandSac.Evaluation;
using RandSac.Tests.IO;

namespace RandSac.Tests.Evaluation;

public sealed class FineTuneTensorBoardTests(TinyRun run) : IClassFixture<TinyRun>
{
    [Fact]
    public void FineTuningLogsEachStepAndTheTestAccuracyInAFolderOfItsOwn()
    {
        var (code, output, error) = TinyRun.Cli("finetune", "--checkpoint", run.Folder, "--threads", "1", "--epochs", "1", "--batch", "32");
        Assert.True(code == 0, error);
        string folder = Assert.Single(Directory.GetDirectories(run.Folder, "finetune-*"));
        Assert.Contains($"tensorboard --logdir {folder}", output);
        var events = Assert.Single(EventFileReader.ReadFolder(folder));
        Assert.Equal([1L, 2], EventFileReader.Scalars(events, FineTuneTensorBoard.LossTag).Select(s => s.Step));
        Assert.All(EventFileReader.Scalars(events, FineTuneTensorBoard.LossTag), s => Assert.True(float.IsFinite(s.Value) && s.Value > 0));
        Assert.Equal([1L, 2], EventFileReader.Scalars(events, FineTuneTensorBoard.LrTag).Select(s => s.Step));
        Assert.Equal([1L, 2], EventFileReader.Scalars(events, FineTuneTensorBoard.ImagesPerSecondTag).Select(s => s.Step));
        var (step, top1) = Assert.Single(EventFileReader.Scalars(events, FineTuneTensorBoard.Top1Tag));
        Assert.Equal(2, step);
        string record = output.Split('\n').Single(line => line.StartsWith("result: "))["result: ".Length..].Trim();
        Assert.Equal((float)JsonDocument.Parse(File.ReadAllText(record)).RootElement.GetProperty("top1").GetDouble(), top1);
        Assert.Single(EventFileReader.Scalars(events, FineTuneTensorBoard.Top5Tag));

        (code, _, error) = TinyRun.Cli("finetune", "--checkpoint", run.Folder, "--threads", "1", "--epochs", "1", "--batch", "32", "--tensorboard", "false");
        Assert.True(code == 0, error);
        Assert.Equal([folder], Directory.GetDirectories(run.Folder, "finetune-*"));
    }
}
