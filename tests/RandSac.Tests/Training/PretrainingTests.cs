using RandSac.Data;
using RandSac.Tests.Evaluation;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Training;

public sealed class PretrainingTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("randsac-pretrain-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The evaluation tests' tiny run (16×16 synthetic images, 16 tokens, batch 8) over two epochs, without a step limit.</summary>
    static PretrainConfig Tiny(string method = "randsac", string segments = "square:2", string order = "random") => TinyRun.Config with
    {
        Method = method,
        Segments = segments,
        Order = order,
        Epochs = 2,
        CheckpointEvery = 1000,
        MaxSteps = null,
    };

    string Folder(string name) => Path.Combine(_root, name);

    [Fact]
    public void ResumingContinuesExactlyWhereTheRunStopped()
    {
        var config = Tiny(segments: "blob:4");
        var straight = new Pretraining(config with { MaxSteps = 6 }, Folder("straight")).Run(resume: false);
        new Pretraining(config with { MaxSteps = 3 }, Folder("split")).Run(resume: false);
        var resumed = new Pretraining(config with { MaxSteps = 6 }, Folder("split")).Run(resume: true);

        Assert.Equal(6, straight.Steps);
        Assert.Equal(3, resumed.StartStep);
        Assert.Equal(6, resumed.Steps);
        Assert.Equal(straight.LastLoss, resumed.LastLoss);
        using var a = Checkpoint.Load(straight.CheckpointPath);
        using var b = Checkpoint.Load(resumed.CheckpointPath);
        Assert.Equal(a.MicroBatches, b.MicroBatches);
        Assert.Equal(a.Model.Keys.Order(), b.Model.Keys.Order());
        foreach (var (name, tensor) in a.Model) Assert.True(TensorAssert.Same(tensor, b.Model[name]), $"model.{name} differs");
        foreach (var (name, tensor) in a.Optimizer) Assert.True(TensorAssert.Same(tensor, b.Optimizer[name]), $"optimizer.{name} differs");
        // The resumed log reads as one run: steps 1..6, once each.
        Assert.Equal([1L, 2, 3, 4, 5, 6], MetricsLog.ReadLosses(resumed.MetricsPath).Select(l => l.Step));
    }

    [Fact]
    public void AKilledCheckpointWriteLeavesThePreviousCheckpointLoadable()
    {
        var config = Tiny() with { CheckpointEvery = 2, MaxSteps = 4 };
        int writes = 0;
        var run = new Pretraining(config, Folder("crash"))
        {
            BeforeCheckpointRename = temp =>
            {
                if (++writes < 2) return;
                // Crash half-way through the second write: a truncated file, then the process dies.
                using (var stream = File.OpenWrite(temp)) stream.SetLength(stream.Length / 2);
                throw new IOException("simulated crash during checkpoint write");
            },
        };
        var error = Assert.Throws<IOException>(() => run.Run(resume: false));
        // A failed write (a full disk) says what is kept and removes its temporary file at once.
        Assert.Contains($"could not write the checkpoint of step 4: simulated crash during checkpoint write; {Checkpoint.PathIn(Folder("crash"))} still holds step 2", error.Message);
        Assert.False(File.Exists(Checkpoint.PathIn(Folder("crash")) + ".tmp"));
        using var survivor = Checkpoint.Load(Checkpoint.PathIn(Folder("crash")));
        Assert.Equal(2, survivor.Step);

        // And the run resumes from it.
        var resumed = new Pretraining(config, Folder("crash")).Run(resume: true);
        Assert.Equal(2, resumed.StartStep);
        Assert.Equal(4, resumed.Steps);
    }

    [Theory]
    [InlineData("randsac", "square:2", "hier:1")]
    [InlineData("randsac", "blob:4", "random")]
    [InlineData("two-stream", "square:2", "random")]
    [InlineData("mae", "square:2", "random")]
    public void AShortRunOnSyntheticDataLowersTheLoss(string method, string segments, string order)
    {
        var config = Tiny(method, segments, order) with
        {
            Dataset = new DatasetSpec { Kind = DatasetKind.Synthetic, ImageSize = 16, SyntheticCount = 256 },
            Batch = 16,
            Epochs = 3,
            WarmupEpochs = 0.25,
            BaseLr = 2e-3,
        };
        var summary = new Pretraining(config, Folder(method + segments)).Run(resume: false);
        var losses = MetricsLog.ReadLosses(summary.MetricsPath).Select(l => l.Loss).ToArray();
        Assert.Equal(48, losses.Length);
        double early = losses.Take(5).Average(), late = losses.TakeLast(5).Average();
        Assert.True(late < 0.8 * early, $"loss went from {early:F4} to {late:F4}");
    }

    [Fact]
    public void ARunFolderIsNeverOverwrittenWithoutResume()
    {
        var config = Tiny() with { MaxSteps = 1 };
        new Pretraining(config, Folder("once")).Run(resume: false);
        var before = File.ReadAllBytes(Checkpoint.PathIn(Folder("once")));
        var error = Assert.Throws<IOException>(() => new Pretraining(config, Folder("once")).Run(resume: false));
        Assert.Contains("already holds a run", error.Message);
        Assert.Equal(before, File.ReadAllBytes(Checkpoint.PathIn(Folder("once"))));
    }

    [Fact]
    public void CheckpointsCarryTheConfigAndTimmStyleEncoderNames()
    {
        var config = Tiny() with { MaxSteps = 1 };
        var summary = new Pretraining(config, Folder("names")).Run(resume: false);
        using var checkpoint = Checkpoint.Load(summary.CheckpointPath);
        Assert.Equal(config.Validated(), checkpoint.Config);
        Assert.Contains("encoder.blocks.0.attn.qkv.weight", checkpoint.Model.Keys);
        Assert.Contains("encoder.patch_embed.proj.weight", checkpoint.Model.Keys);
        Assert.Equal(new long[] { 128, 3, 4, 4 }, checkpoint.Model["encoder.patch_embed.proj.weight"].shape);
    }

    sealed class CancelAtStep(long step, CancellationTokenSource source) : IPretrainObserver
    {
        public void OnStart(PretrainConfig config, LearningRateSchedule schedule, long startStep, long stopStep, int parameters) { }

        public void OnStep(StepMetrics metrics)
        {
            if (metrics.Step == step) source.Cancel();
        }

        public void OnCheckpoint(string path, long step) { }
    }

    [Fact]
    public void ACancelledRunFinishesItsStepCheckpointsItAndResumesExactly()
    {
        var config = Tiny() with { MaxSteps = 6 };
        var straight = new Pretraining(config, Folder("straight")).Run(resume: false);
        using var cancel = new CancellationTokenSource();
        var stopped = Assert.Throws<RunStoppedException>(
            () => new Pretraining(config, Folder("stopped")).Run(resume: false, new CancelAtStep(3, cancel), cancel.Token));
        Assert.Equal(3, stopped.Step);
        using (var saved = Checkpoint.Load(Checkpoint.PathIn(Folder("stopped")))) Assert.Equal(3, saved.Step);

        var resumed = new Pretraining(config, Folder("stopped")).Run(resume: true);
        Assert.Equal(straight.LastLoss, resumed.LastLoss);
        Assert.Equal(File.ReadAllBytes(straight.CheckpointPath), File.ReadAllBytes(resumed.CheckpointPath));
    }

    [Fact]
    public void AResumeWithOtherSettingsIsRefusedButHowItRunsMayChange()
    {
        var config = Tiny() with { MaxSteps = 1 };
        new Pretraining(config, Folder("settings")).Run(resume: false);
        var error = Assert.Throws<ArgumentException>(() => new Pretraining(config with { Seed = 3, Batch = 4 }, Folder("settings")).Run(resume: true));
        Assert.Contains("batch 4 (the run has 8), seed 3 (the run has 0)", error.Message);
        var resumed = new Pretraining(config with { MaxSteps = 2, Threads = 2, CheckpointEvery = 7 }, Folder("settings")).Run(resume: true);
        Assert.Equal(2, resumed.Steps);
    }

    [Fact]
    public void TheRunFolderLockNamesItsHolderAndIsFreeOnceReleased()
    {
        string folder = Folder("locked");
        using (RunFolderLock.Acquire(folder))
        {
            var error = Assert.Throws<IOException>(() => RunFolderLock.Acquire(folder));
            Assert.Contains($"is in use by process {Environment.ProcessId}", error.Message);
            Assert.Throws<IOException>(() => new Pretraining(Tiny() with { MaxSteps = 1 }, folder).Run(resume: false));
        }
        using (RunFolderLock.Acquire(folder)) { }
    }
}
