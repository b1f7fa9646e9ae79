using RandSac.Data;
using RandSac.Distributed;
using RandSac.Tests.Distributed;
using RandSac.Training;

namespace RandSac.Tests.Training;

public sealed class StopRequestTests
{
    [Fact]
    public void ADataParallelRunStopsAtTheEndOfAStepWithACheckpointAndSaysWhere()
    {
        using var temp = new TempDirectory();
        var config = new PretrainConfig
        {
            Dataset = new DatasetSpec { Kind = DatasetKind.Synthetic, ImageSize = 16, SyntheticCount = 32 },
            DecoderDepth = 1,
            Batch = 8,
            WarmupEpochs = 0,
            Threads = 1,
        };
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var run = new Pretraining(config, temp.Path) { Parallel = new DataParallel(new MirrorWorld(2)) };
        var e = Assert.Throws<RunStoppedException>(() => run.Run(resume: false, cancel: cancel.Token));
        Assert.Equal(1, e.Step);
        Assert.Equal("stopped after step 1; the checkpoint holds it", e.Message);
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(temp.Path));
        Assert.Equal(1, checkpoint.Step);
        // And the run resumes from it.
        Assert.Equal(1, new Pretraining(config with { MaxSteps = 2 }, temp.Path).Run(resume: true).StartStep);
    }
}
