using RandSac.Training;

namespace RandSac.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void WarmsUpLinearlyThenFollowsACosineToTheMinimum()
    {
        var schedule = new LearningRateSchedule(PeakLr: 1.0, MinLr: 0.1, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(0.0, schedule.At(0));
        Assert.Equal(0.5, schedule.At(5), 12);
        Assert.Equal(1.0, schedule.At(10), 12);
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), schedule.At(35), 12);
        Assert.Equal(0.55, schedule.At(60), 12);
        Assert.Equal(0.1, schedule.At(110), 12);
        Assert.Equal(0.1, schedule.At(500), 12);
    }

    [Fact]
    public void PeakScalesWithBatch() => Assert.Equal(2e-3, LearningRateSchedule.ScaledPeak(1e-3, 512), 15);

    [Fact]
    public void AWarmupLongerThanTheRunIsClampedToTheRunWithAWarning()
    {
        // The paper's 10 warmup epochs in a 1-epoch run of 20 steps: 200 warmup steps asked for.
        var schedule = LearningRateSchedule.Clamped(peakLr: 2e-3, minLr: 0, warmupEpochs: 10, stepsPerEpoch: 20, totalSteps: 20);
        Assert.Equal(20, schedule.WarmupSteps);
        Assert.Equal(20, schedule.TotalSteps);
        Assert.Equal(1e-3, schedule.At(10), 15);        // halfway up, not 1/20 of the way
        Assert.Equal(2e-3 * 19 / 20, schedule.At(19), 15);
        Assert.Equal(
            "warning: 10 warmup epochs (200 steps) are longer than the run (20 steps); warming up over all 20 steps instead, " +
            "so the lr rises to its peak only at the end (set --warmup-epochs to change)", schedule.Warning);
    }

    [Fact]
    public void AWarmupThatFitsIsKeptWithoutAWarning()
    {
        var schedule = LearningRateSchedule.Clamped(peakLr: 1, minLr: 0, warmupEpochs: 0.5, stepsPerEpoch: 30, totalSteps: 60);
        Assert.Equal(15, schedule.WarmupSteps);
        Assert.Null(schedule.Warning);
        Assert.Null(LearningRateSchedule.Clamped(1, 0, warmupEpochs: 2, stepsPerEpoch: 30, totalSteps: 60).Warning);
    }

    [Fact]
    public void ASchedulesWarmupMustFitItsRun()
    {
        var error = Assert.Throws<ArgumentException>(() => new LearningRateSchedule(1, 0, WarmupSteps: 11, TotalSteps: 10));
        Assert.Equal("warmup of 11 steps does not fit a run of 10 steps", error.Message);
    }

    [Fact]
    public void DescribesPeakWarmupAndLength() => Assert.Equal(
        "peak lr 0.002 · warmup 980 of 78000 steps · cosine to 0",
        new LearningRateSchedule(2e-3, 0, 980, 78000).Describe());
}
