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
}
