namespace RandSac.Models;

/// <summary>
/// Draws a batch's <see cref="PretrainBatchInputs"/> from a seed alone, with managed code, so it
/// can run on a loader thread. Each image's draws depend only on the seed and the image's
/// position in the batch, so images <c>firstPosition … firstPosition + count − 1</c> of a batch
/// come out the same whether drawn alone (one rank's slice) or with the rest.
/// </summary>
public interface IBatchInputSampler
{
    PretrainBatchInputs Sample(int count, int seed, int firstPosition = 0);
}
