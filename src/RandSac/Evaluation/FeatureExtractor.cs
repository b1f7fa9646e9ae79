using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Runs a frozen encoder over a dataset without augmentation (the whole image, normalised) and
/// keeps <see cref="VisionTransformer.Features"/>: all tokens, no mask, final norm, mean pooling.
/// </summary>
public static class FeatureExtractor
{
    public static FeatureSet Extract(VisionTransformer encoder, ImageDataset dataset, int batch = 256,
        IEvaluationObserver? observer = null, string phase = "features", CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        bool wasTraining = encoder.training;
        encoder.eval();
        try
        {
            using var loader = ImageBatchPreparer.CreateLoader(dataset, AugmentationOptions.None, batch,
                shuffle: false, dropLast: false, seed: 0);
            var features = zeros(dataset.Count, encoder.Config.Dim).DetachFromDisposeScope();
            try
            {
                observer?.OnPhase(phase, dataset.Count);
                long done = 0;
                using var _ = no_grad();
                foreach (var images in loader.Epoch(0))
                {
                    cancel.ThrowIfCancellationRequested();
                    using (images)
                    using (NewDisposeScope())
                    {
                        features[TensorIndex.Slice(done, done + images.Count)] = encoder.Features(images.Images);
                    }
                    done += images.Count;
                    observer?.OnProgress(done);
                }
                return new FeatureSet(features, (int[])dataset.Labels.Clone(), dataset.ClassNames);
            }
            catch
            {
                features.Dispose();
                throw;
            }
        }
        finally
        {
            encoder.train(wasTraining);
        }
    }
}
