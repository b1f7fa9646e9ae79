using RandSac.Data.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Data;

/// <summary>
/// Prepares <see cref="ImageBatch"/>es from an <see cref="ImageDataset"/>: each sample is
/// augmented on managed memory straight into the batch tensor, with a seed derived from the
/// batch seed and the sample's position, so a batch depends only on its request.
/// Safe to call from several threads at once (each call has its own scratch buffers).
/// </summary>
public sealed class ImageBatchPreparer
{
    readonly ImageDataset _dataset;
    readonly AugmentationOptions _options;

    public ImageBatchPreparer(ImageDataset dataset, AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        _dataset = dataset;
        _options = options;
        // Validates the options and the dataset/size combination once, up front.
        OutputSize = new ImageAugmenter(dataset, options).OutputSize;
    }

    /// <summary>Side of the square images in each batch.</summary>
    public int OutputSize { get; }

    public ImageBatch Prepare(BatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var augmenter = new ImageAugmenter(_dataset, _options);
        int count = request.Indices.Length;
        int length = augmenter.OutputLength;

        // Made outside any dispose scope: the batch is handed to another thread, which owns it.
        Tensor images = torch.empty([count, _dataset.Channels, OutputSize, OutputSize], ScalarType.Float32).DetachFromDisposeScope();
        Tensor labels = torch.empty([count], ScalarType.Int64).DetachFromDisposeScope();
        try
        {
            Span<float> pixels = TensorMemory.Floats(images);
            Span<long> labelValues = TensorMemory.Longs(labels);
            for (int i = 0; i < count; i++)
            {
                int index = request.Indices[i];
                augmenter.Apply(_dataset.GetPixels(index), pixels.Slice(i * length, length), request.SampleSeed(i));
                labelValues[i] = _dataset.Labels[index];
            }
            return new ImageBatch(images, labels, request);
        }
        catch
        {
            images.Dispose();
            labels.Dispose();
            throw;
        }
    }

    /// <summary>A background loader of augmented batches over the whole dataset.</summary>
    public static BatchLoader<ImageBatch> CreateLoader(ImageDataset dataset, AugmentationOptions options,
        int batchSize, bool shuffle, bool dropLast, long seed, int prefetch = 2)
    {
        var preparer = new ImageBatchPreparer(dataset, options);
        return new BatchLoader<ImageBatch>(dataset.Count, batchSize, shuffle, dropLast, seed, preparer.Prepare, prefetch);
    }
}
