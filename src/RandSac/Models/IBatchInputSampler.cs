namespace RandSac.Models;

/// <summary>
/// Draws a batch's <see cref="PretrainBatchInputs"/> from a seed alone, with managed code, so it
/// can run on a loader thread.
/// </summary>
public interface IBatchInputSampler
{
    PretrainBatchInputs Sample(int batchSize, int seed);
}
