using RandSac.Data;
using RandSac.Models;

namespace RandSac.Training;

/// <summary>One prepared pre-training batch: augmented images and the method's plan or mask.</summary>
public sealed class PretrainBatch(ImageBatch images, PretrainBatchInputs inputs) : IDisposable
{
    public ImageBatch Images { get; } = images;
    public PretrainBatchInputs Inputs { get; } = inputs;

    public void Dispose()
    {
        Images.Dispose();
        Inputs.Dispose();
    }
}
