using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Models;
using RandSac.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Linear probing: a <see cref="LinearProbeHead"/> trained with <see cref="Lars"/> under the
/// warmup+cosine schedule (per iteration) on the frozen encoder's features, then evaluated on
/// the test split's features (no augmentation).
/// </summary>
public sealed class LinearProbe(LinearProbeOptions options)
{
    readonly LinearProbeOptions _options = options.Validated();

    /// <summary>
    /// Probes <paramref name="encoder"/>. <paramref name="features"/> supplies un-augmented features
    /// of a dataset (e.g. from a <see cref="FeatureCache"/>); by default they are computed.
    /// </summary>
    public EvaluationOutcome Run(VisionTransformer encoder, ImageDataset train, ImageDataset test,
        IEvaluationObserver? observer = null, CancellationToken cancel = default,
        Func<ImageDataset, DataSplit, FeatureSet>? features = null)
    {
        RequireSameClasses(train, test);
        encoder.eval();
        features ??= (dataset, split) => FeatureExtractor.Extract(encoder, dataset, _options.FeatureBatch, observer,
            $"{split.ToString().ToLowerInvariant()} features", cancel);

        using var testFeatures = features(test, DataSplit.Test);
        using var trainFeatures = _options.Fast ? features(train, DataSplit.Train) : null;

        manual_seed(_options.Seed);
        using var head = new LinearProbeHead(encoder.Config.Dim, train.ClassNames.Length);
        using var lars = new Lars(head.parameters(), _options.Momentum, _options.WeightDecay, _options.TrustCoefficient);
        var (steps, loss) = trainFeatures is not null
            ? TrainOnFeatures(head, lars, trainFeatures, observer, cancel)
            : TrainAugmented(head, lars, encoder, train, observer, cancel);

        head.eval();
        var meter = new AccuracyMeter(test.ClassNames);
        using (no_grad())
        using (NewDisposeScope())
        {
            meter.Add(head.forward(testFeatures.Features), testFeatures.LabelTensor());
        }
        return new EvaluationOutcome(meter.Result(), steps, loss);
    }

    (long Steps, double Loss) TrainOnFeatures(LinearProbeHead head, Lars lars, FeatureSet features,
        IEvaluationObserver? observer, CancellationToken cancel)
    {
        using var loader = new BatchLoader<int[]>(features.Count, Math.Min(_options.Batch, features.Count), shuffle: true,
            dropLast: true, _options.Seed, request => request.Indices);
        using var labels = features.LabelTensor();
        return Train(head, lars, loader, observer, cancel, indices =>
        {
            var rows = tensor(indices.Select(i => (long)i).ToArray());
            return (features.Features.index_select(0, rows), labels.index_select(0, rows));
        });
    }

    (long Steps, double Loss) TrainAugmented(LinearProbeHead head, Lars lars, VisionTransformer encoder, ImageDataset train,
        IEvaluationObserver? observer, CancellationToken cancel)
    {
        var augmentation = AugmentationOptions.Pretrain with { ScaleMin = 0.08 };
        using var loader = ImageBatchPreparer.CreateLoader(train, augmentation, Math.Min(_options.Batch, train.Count),
            shuffle: true, dropLast: true, _options.Seed);
        return Train(head, lars, loader, observer, cancel, batch =>
        {
            using var _ = no_grad();
            return (encoder.Features(batch.Images), batch.Labels.alias());
        });
    }

    (long Steps, double Loss) Train<T>(LinearProbeHead head, Lars lars, BatchLoader<T> loader, IEvaluationObserver? observer,
        CancellationToken cancel, Func<T, (Tensor Features, Tensor Labels)> inputs)
    {
        long perEpoch = loader.BatchesPerEpoch;
        long total = perEpoch * _options.Epochs;
        var schedule = LearningRateSchedule.Clamped(LearningRateSchedule.ScaledPeak(_options.BaseLr, loader.BatchSize),
            _options.MinLr, _options.WarmupEpochs, perEpoch, total);
        observer?.OnSchedule("linear probe", schedule);
        observer?.OnPhase("linear probe", total);
        head.train();
        long step = 0;
        double epochLoss = 0, lastEpochLoss = double.NaN;
        foreach (var batch in loader.Batches(0, 0, _options.Epochs))
        {
            cancel.ThrowIfCancellationRequested();
            using (NewDisposeScope())
            {
                var (x, y) = inputs(batch);
                var loss = nn.functional.cross_entropy(head.forward(x), y);
                loss.backward();
                lars.Step(schedule.At(step));
                lars.ZeroGrad();
                epochLoss += loss.item<float>();
            }
            (batch as IDisposable)?.Dispose();
            step++;
            if (step % perEpoch == 0)
            {
                lastEpochLoss = epochLoss / perEpoch;
                epochLoss = 0;
                observer?.OnProgress(step, $"epoch {step / perEpoch}/{_options.Epochs} · loss {lastEpochLoss:F4}");
            }
            else if (perEpoch > 20 && step % (perEpoch / 10) == 0)
            {
                observer?.OnProgress(step);
            }
        }
        return (step, lastEpochLoss);
    }

    internal static void RequireSameClasses(ImageDataset train, ImageDataset test)
    {
        if (!train.ClassNames.SequenceEqual(test.ClassNames))
            throw new DataException($"the train split ({train.ClassNames.Length} classes) and the test split ({test.ClassNames.Length} classes) name different classes");
    }
}
