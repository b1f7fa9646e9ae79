using RandSac.Data;

namespace RandSac.Training;

/// <summary>
/// How long a pre-training run is and how its learning rate moves, from its settings and its number of
/// training images: every epoch is the drop-last micro-batches of the images, an optimiser step is
/// <see cref="PretrainConfig.Accumulation"/> of them, and the rate warms up and decays over all epochs'
/// steps even when <see cref="PretrainConfig.MaxSteps"/> stops the run sooner.
/// </summary>
public sealed record PretrainSchedule(long MicroBatchesPerEpoch, long TotalSteps, long StopStep, LearningRateSchedule LearningRate)
{
    /// <summary>Micro-batches are drop-last, so every one holds the batch the lr is scaled for.</summary>
    public const bool DropLast = true;

    public static PretrainSchedule Of(PretrainConfig config, int images)
    {
        long microPerEpoch = BatchLoader<PretrainBatch>.BatchesIn(images, config.Batch, DropLast);
        long totalSteps = Math.Max(1, config.Epochs * microPerEpoch / config.Accumulation);
        var learningRate = LearningRateSchedule.Clamped(
            LearningRateSchedule.ScaledPeak(config.BaseLr, config.EffectiveBatch),
            config.MinLr,
            config.WarmupEpochs,
            (double)microPerEpoch / config.Accumulation,
            totalSteps);
        return new PretrainSchedule(microPerEpoch, totalSteps, Math.Min(totalSteps, config.MaxSteps ?? long.MaxValue), learningRate);
    }
}
