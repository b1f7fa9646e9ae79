using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Distributed;
using RandSac.Models;
using RandSac.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// End-to-end fine-tuning: every weight of a <see cref="Classifier"/>, the position embedding
/// included (<see cref="VisionTransformer.TrainPositionEmbedding"/>), trained with layer-decayed
/// AdamW under warmup+cosine (per iteration), on RandAugment'ed, mixed (mixup/cutmix) batches with
/// soft-target cross-entropy; then top-1/top-5 on the test split without augmentation.
/// <para>
/// Under <see cref="Parallel"/> each rank trains on its slice of every global batch and the
/// gradients are averaged before each update, as in pre-training. Two things differ from one
/// process by design: mixup/cutmix pairs images within a rank's slice (one mixing draw per step
/// for all ranks), and drop path draws from a generator seeded per rank. Every rank evaluates
/// the same final model.
/// </para>
/// </summary>
public sealed class FineTuning(FineTuneOptions options)
{
    readonly FineTuneOptions _options = options.Validated();

    /// <summary>Where the run's scalars go for TensorBoard, if anywhere (owned by the caller).</summary>
    public FineTuneTensorBoard? TensorBoard { get; init; }

    /// <summary>The ranks this run is spread over (default: one process).</summary>
    public DataParallel Parallel { get; init; } = DataParallel.Single;

    /// <summary>
    /// Fine-tunes <paramref name="encoder"/> (built with the drop-path rate of the options; it is
    /// changed in place, gains a trainable <c>pos_embed</c>, and is owned by the caller).
    /// </summary>
    public EvaluationOutcome Run(VisionTransformer encoder, ImageDataset train, ImageDataset test,
        IEvaluationObserver? observer = null, CancellationToken cancel = default)
    {
        LinearProbe.RequireSameClasses(train, test);
        int classes = train.ClassNames.Length;
        var parallel = Parallel;
        int batchSize = Math.Min(_options.Batch, train.Count);
        parallel.LocalBatch(batchSize);
        manual_seed(_options.Seed);
        encoder.TrainPositionEmbedding(); // as MAE: the sin-cos table is fine-tuned
        var model = new Classifier(encoder, classes);
        // The same head on every rank; drop path then draws differently on each.
        if (parallel.IsDistributed) manual_seed(SeededRandom.Derive(_options.Seed, 0xD209, parallel.Rank));
        var named = model.named_parameters().ToList();
        using var optimizer = new LayerDecayAdamW(named.Select(p => (p.name, p.parameter)), encoder.Config.Depth,
            _options.LayerDecay, _options.WeightDecay, _options.Beta1, _options.Beta2);
        var mixup = new Mixup(_options.Mixup, _options.Cutmix, _options.MixupSwitchProbability, _options.LabelSmoothing, classes);

        var preparer = new FineTuneBatchPreparer(train, _options.CropScaleMin, _options.RandAugment);
        using var loader = new BatchLoader<ImageBatch>(train.Count, batchSize, shuffle: true,
            dropLast: true, _options.Seed, request => preparer.Prepare(parallel.Slice(request)));
        var flat = optimizer.Groups.SelectMany(g => g.Optimizer.Groups).ToList();
        long perEpoch = loader.BatchesPerEpoch, total = perEpoch * _options.Epochs;
        var schedule = LearningRateSchedule.Clamped(LearningRateSchedule.ScaledPeak(_options.BaseLr, loader.BatchSize),
            _options.MinLr, _options.WarmupEpochs, perEpoch, total);
        observer?.OnSchedule("fine-tuning", schedule);
        observer?.OnPhase("fine-tuning", total);
        model.train();
        long step = 0;
        double epochLoss = 0, lastEpochLoss = double.NaN;
        foreach (var batch in loader.Batches(0, 0, _options.Epochs))
        {
            if (!parallel.IsDistributed) cancel.ThrowIfCancellationRequested();
            using (batch)
            using (NewDisposeScope())
            {
                var (targets, _) = mixup.Apply(batch.Images, batch.Labels,
                    new SeededRandom(SeededRandom.Derive(_options.Seed, 0x313, step)));
                var loss = SoftTargetLoss.CrossEntropy(model.forward(batch.Images), targets);
                loss.backward();
                parallel.Reducer?.Reduce(flat);
                if (_options.ClipGrad is { } maxNorm) nn.utils.clip_grad_norm_(optimizer.Parameters, maxNorm);
                double lr = schedule.At(step);
                optimizer.Step(lr);
                optimizer.ZeroGrad();
                // The ranks' mean loss, and whether any rank was asked to stop.
                var (value, stop) = parallel.EndStep(loss.item<float>() / parallel.Size, parallel.IsDistributed && cancel.IsCancellationRequested);
                if (stop) throw new OperationCanceledException();
                if (!double.IsFinite(value))
                    throw new InvalidOperationException($"the fine-tuning loss became {value} at step {step + 1}; lower the learning rate or set --clip-grad");
                epochLoss += value;
                TensorBoard?.OnStep(step + 1, value, lr, loader.BatchSize);
            }
            step++;
            if (step % parallel.CheckEvery == 0 || step == total) parallel.VerifyReplicas(step, flat);
            if (step % perEpoch == 0)
            {
                lastEpochLoss = epochLoss / perEpoch;
                epochLoss = 0;
                observer?.OnProgress(step, $"epoch {step / perEpoch}/{_options.Epochs} · loss {lastEpochLoss:F4}");
            }
            else
            {
                observer?.OnProgress(step);
            }
        }

        var accuracy = Evaluate(model, test, _options.EvalBatch, observer, cancel);
        TensorBoard?.OnTest(step, accuracy);
        return new EvaluationOutcome(accuracy, step, lastEpochLoss);
    }

    /// <summary>Top-1/top-5 of a classifier on a dataset without augmentation.</summary>
    public static ClassificationResult Evaluate(Classifier model, ImageDataset test, int batch,
        IEvaluationObserver? observer = null, CancellationToken cancel = default)
    {
        model.eval();
        var meter = new AccuracyMeter(test.ClassNames);
        InOrderPass.Run(test, batch, "test", observer, cancel, (images, _) => meter.Add(model.forward(images.Images), images.Labels));
        return meter.Result();
    }
}
