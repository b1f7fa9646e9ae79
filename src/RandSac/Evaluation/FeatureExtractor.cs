using RandSac.Data;
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
            var features = zeros(dataset.Count, encoder.Config.Dim).DetachFromDisposeScope();
            try
            {
                InOrderPass.Run(dataset, batch, phase, observer, cancel, (images, first) =>
                    features[TensorIndex.Slice(first, first + images.Count)] = encoder.Features(images.Images));
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
