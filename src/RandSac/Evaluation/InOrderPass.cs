using RandSac.Data;
using RandSac.Data.Augmentation;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// One pass over a dataset in its own order, without augmentation and without gradients: the
/// loop that feature extraction and classifier evaluation share (progress, cancellation, a
/// dispose scope per batch).
/// </summary>
static class InOrderPass
{
    /// <summary>Calls <paramref name="perBatch"/> with each batch and the index of its first image.</summary>
    public static void Run(ImageDataset dataset, int batch, string phase, IEvaluationObserver? observer,
        CancellationToken cancel, Action<ImageBatch, long> perBatch)
    {
        using var loader = ImageBatchPreparer.CreateLoader(dataset, AugmentationOptions.None, batch,
            shuffle: false, dropLast: false, seed: 0);
        observer?.OnPhase(phase, dataset.Count);
        long done = 0;
        using var _ = no_grad();
        foreach (var images in loader.Epoch(0))
        {
            cancel.ThrowIfCancellationRequested();
            using (images)
            using (NewDisposeScope())
            {
                perBatch(images, done);
            }
            done += images.Count;
            observer?.OnProgress(done);
        }
    }
}
