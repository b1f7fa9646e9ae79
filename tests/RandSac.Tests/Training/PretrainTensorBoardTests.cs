using RandSac.IO.TensorBoard;
using RandSac.Tests.Cli;
using RandSac.Tests.Evaluation;
using RandSac.Tests.IO;
using RandSac.Training;
using SkiaSharp;

namespace RandSac.Tests.Training;

public sealed class PretrainTensorBoardTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The evaluation tests' tiny run, over two epochs with a checkpoint every two steps; each test sets its steps.</summary>
    static PretrainConfig Tiny => TinyRun.Config with { Epochs = 2, CheckpointEvery = 2 };

    [Fact]
    public void EveryStepsScalarsAndThePictureEveryNStepsGoToTheRunFolder()
    {
        var summary = new Pretraining(Tiny with { MaxSteps = 5, TensorBoardImageEvery = 3 }, _temp.Path).Run(resume: false);
        var events = Assert.Single(EventFileReader.ReadFolder(_temp.Path));
        Assert.Equal("brain.Event:2", events[0].FileVersion);

        var csv = File.ReadLines(summary.MetricsPath).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(csv.Select(c => (long.Parse(c[0]), float.Parse(c[2]))), EventFileReader.Scalars(events, PretrainTensorBoard.LossTag));
        Assert.Equal(csv.Select(c => (long.Parse(c[0]), float.Parse(c[3]))), EventFileReader.Scalars(events, PretrainTensorBoard.LrTag));
        Assert.Equal([1L, 2, 3, 4, 5], EventFileReader.Scalars(events, PretrainTensorBoard.ImagesPerSecondTag).Select(s => s.Step));
        Assert.All(EventFileReader.Scalars(events, PretrainTensorBoard.ImagesPerSecondTag), s => Assert.True(s.Value > 0));

        // Every third step and the last one; eight 16-pixel images drawn 8× in three panels.
        var images = EventFileReader.Images(events, PretrainTensorBoard.ReconstructionTag);
        Assert.Equal([3L, 5], images.Select(i => i.Step));
        foreach (var (_, image) in images)
        {
            using var picture = SKBitmap.Decode(image.EncodedImageString.ToByteArray());
            Assert.Equal((image.Width, image.Height), (picture.Width, picture.Height));
            Assert.True(picture.Width >= 3 * 128 && picture.Height >= 8 * 128, $"{picture.Width}×{picture.Height}");
        }
    }

    [Fact]
    public void AResumedRunContinuesTheStepsOnceEach()
    {
        // Killed after step 3: the last checkpoint holds step 2, the event file already step 3.
        Assert.Throws<IOException>(() => new Pretraining(Tiny with { MaxSteps = 5 }, _temp.Path).Run(resume: false, new KillAfter(3)));
        Assert.Equal([1L, 2, 3], EventFileReader.Scalars(EventFileReader.ReadFolder(_temp.Path).Single(), PretrainTensorBoard.LossTag).Select(s => s.Step));

        var resumed = new Pretraining(Tiny with { MaxSteps = 5 }, _temp.Path).Run(resume: true);
        Assert.Equal(2, resumed.StartStep);
        var files = EventFileReader.ReadFolder(_temp.Path);
        Assert.Equal(2, files.Count);
        var all = files.SelectMany(events => events).ToList();
        var losses = EventFileReader.Scalars(all, PretrainTensorBoard.LossTag);
        Assert.Equal([1L, 2, 3, 4, 5], losses.Select(s => s.Step));
        Assert.Equal(MetricsLog.ReadLosses(resumed.MetricsPath).Select(l => (float)l.Loss), losses.Select(s => s.Value));
        Assert.Equal([2L, 4, 5], EventFileReader.Images(all, PretrainTensorBoard.ReconstructionTag).Select(i => i.Step));
    }

    [Fact]
    public void TurnedOffNoEventFileIsWritten()
    {
        new Pretraining(Tiny with { MaxSteps = 1, TensorBoard = false }, _temp.Path).Run(resume: false);
        Assert.Empty(Directory.GetFiles(_temp.Path, EventFileWriter.FilePrefix + "*"));
        Assert.True(File.Exists(Checkpoint.PathIn(_temp.Path)));
    }

    [Fact]
    public void BadTensorBoardSettingsAreOneLineErrors()
    {
        string[] run = ["pretrain", "--dataset", "synthetic", "--image-size", "16", "--synthetic-count", "64", "--batch", "8",
            "--decoder-depth", "1", "--threads", "1", "--max-steps", "1", "--out", _temp.Path];
        CliRunner.AssertBadInput(CliRunner.Run([.. run, "--tensorboard-image-every", "0"]), "TensorBoard image interval must be positive");
        Assert.Empty(Directory.GetFiles(_temp.Path));

        // A damaged event file stops a resume before anything is trained or rewritten.
        Assert.Equal(0, CliRunner.Run(run).ExitCode);
        string events = Assert.Single(Directory.GetFiles(_temp.Path, EventFileWriter.FilePrefix + "*"));
        var bytes = File.ReadAllBytes(events);
        bytes[20] ^= 0xFF;
        File.WriteAllBytes(events, bytes);
        CliRunner.AssertBadInput(CliRunner.Run("pretrain", "--out", _temp.Path, "--resume", "--max-steps", "2"), Path.GetFileName(events), "CRC");
        Assert.Equal(bytes, File.ReadAllBytes(events));
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(_temp.Path));
        Assert.Equal(1, checkpoint.Step);
    }

    /// <summary>Ends the run as a kill would, right after a step is logged (a cancellation would checkpoint it first).</summary>
    sealed class KillAfter(long step) : IPretrainObserver
    {
        public void OnStart(PretrainConfig config, LearningRateSchedule schedule, long startStep, long stopStep, int parameters) { }

        public void OnStep(StepMetrics metrics)
        {
            if (metrics.Step == step) throw new IOException("simulated kill");
        }

        public void OnCheckpoint(string path, long at) { }
    }
}
