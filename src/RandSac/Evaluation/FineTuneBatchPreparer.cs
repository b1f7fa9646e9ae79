using RandSac.Data;
using RandSac.Data.Augmentation;

namespace RandSac.Evaluation;

/// <summary>
/// Fine-tuning batches: random resized crop and flip (<see cref="ImageBatchPreparer"/>), then
/// RandAugment on each image in [0, 1] (filled with the dataset mean), then normalisation — the
/// order of timm's training transform. Seeded by the batch request, so a batch depends only on it.
/// </summary>
public sealed class FineTuneBatchPreparer
{
    readonly ImageBatchPreparer _crops;
    readonly RandAugment _randAugment;
    readonly float[] _mean;
    readonly float[] _std;
    readonly int _channels;

    public FineTuneBatchPreparer(ImageDataset dataset, double cropScaleMin, RandAugment randAugment)
    {
        _crops = new ImageBatchPreparer(dataset, AugmentationOptions.Pretrain with { ScaleMin = cropScaleMin });
        _randAugment = randAugment.Validated();
        _mean = dataset.Mean;
        _std = dataset.Std;
        _channels = dataset.Channels;
    }

    public ImageBatch Prepare(BatchRequest request)
    {
        var batch = _crops.Prepare(request);
        int size = _crops.OutputSize, plane = size * size, length = _channels * plane;
        var pixels = TensorMemory.Floats(batch.Images);
        var image = new float[length];
        for (int i = 0; i < batch.Count; i++)
        {
            var target = pixels.Slice(i * length, length);
            for (int c = 0; c < _channels; c++)
            for (int j = 0; j < plane; j++)
                image[c * plane + j] = Math.Clamp(target[c * plane + j] * _std[c] + _mean[c], 0f, 1f);
            _randAugment.Apply(image, _channels, size, size, _mean,
                new SeededRandom(SeededRandom.Derive(request.SampleSeed(i), 0x0A11)));
            for (int c = 0; c < _channels; c++)
            for (int j = 0; j < plane; j++)
                target[c * plane + j] = (image[c * plane + j] - _mean[c]) / _std[c];
        }
        return batch;
    }
}
