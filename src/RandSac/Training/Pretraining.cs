using System.Diagnostics;
using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Distributed;
using RandSac.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// The pre-training loop: one image batch and its segment plan (or MAE mask) per micro-batch,
/// prepared ahead on the loader thread; forward, backward, AdamW step under the warmup+cosine
/// schedule; a metrics row per step; atomic checkpoints every N steps and at the end. Every
/// draw is a function of (seed, position), so a resumed run continues exactly.
/// Under <see cref="Parallel"/> each rank trains on its slice of every global batch with
/// averaged gradients, and rank 0 alone writes; a cancellation stops every rank after the same
/// step, with a checkpoint (one process stops at once, as it always did).
/// </summary>
public sealed class Pretraining
{
    readonly PretrainConfig _config;
    readonly string _folder;

    public Pretraining(PretrainConfig config, string folder)
    {
        _config = config.Validated();
        _folder = Path.GetFullPath(folder);
    }

    /// <summary>Called with the temporary file of every checkpoint before it replaces the old one (tests).</summary>
    public Action<string>? BeforeCheckpointRename { get; init; }

    /// <summary>An optional measurement of the encoder (e.g. kNN accuracy), logged and reported every few steps.</summary>
    public EncoderProbe? Probe { get; init; }

    /// <summary>Hears what starting from <see cref="PretrainConfig.Init"/> left out or assumed.</summary>
    public Action<string>? Note { get; init; }

    /// <summary>The ranks this run is spread over (default: one process).</summary>
    public DataParallel Parallel { get; init; } = DataParallel.Single;

    public PretrainSummary Run(bool resume, IPretrainObserver? observer = null, CancellationToken cancel = default)
    {
        var config = _config;
        var parallel = Parallel;
        parallel.LocalBatch(config.Batch);
        set_num_threads(config.Threads ?? parallel.DefaultThreads ?? CpuThreads.PhysicalCores);
        string checkpointPath = Checkpoint.PathIn(_folder);
        using var start = resume ? Checkpoint.Load(checkpointPath) : null;
        if (start is null && File.Exists(checkpointPath))
            throw new IOException($"{_folder} already holds a run ({Checkpoint.FileName}); pass --resume to continue it, or choose another --out");
        if (parallel.IsWriter) Directory.CreateDirectory(_folder);

        using var dataset = config.Dataset.Open(DataSplit.Train, config.Patch);
        var options = config.ModelOptions(dataset.Channels, dataset.Height);
        manual_seed(config.Seed);
        using var model = PretrainerFactory.Create(options);
        if (start is null && config.Init is { } init) InitialWeights.Apply(model, init, Note ?? (_ => { }));
        var inputSampler = PretrainerFactory.CreateInputSampler(options, config.Segments, config.Order);
        int parameterCount = (int)model.parameters().Sum(p => p.numel());
        using var training = new TrainingStep(model, options, config.Precision, config.WeightDecay, config.Beta1, config.Beta2)
        {
            Reducer = parallel.Reducer,
        };

        long step = 0, micro = 0;
        if (start is not null)
        {
            training.Load(start.Model, start.Optimizer, start.Step);
            if (start.TorchRngState is not null) set_rng_state(start.TorchRngState);
            step = start.Step;
            micro = start.MicroBatches;
        }
        training.Train();

        var preparer = new ImageBatchPreparer(dataset, AugmentationOptions.Pretrain);
        using var loader = new BatchLoader<PretrainBatch>(dataset.Count, config.Batch, shuffle: true, dropLast: true,
            config.Seed, request =>
            {
                var slice = parallel.Slice(request);
                return new PretrainBatch(preparer.Prepare(slice),
                    inputSampler.Sample(slice.Indices.Length, (int)SeededRandom.Derive(request.Seed, 1), slice.FirstPosition));
            });
        long microPerEpoch = loader.BatchesPerEpoch;
        long totalSteps = Math.Max(1, config.Epochs * microPerEpoch / config.Accumulation);
        long stopStep = Math.Min(totalSteps, config.MaxSteps ?? long.MaxValue);
        var schedule = LearningRateSchedule.Clamped(
            LearningRateSchedule.ScaledPeak(config.BaseLr, config.EffectiveBatch),
            config.MinLr,
            config.WarmupEpochs,
            (double)microPerEpoch / config.Accumulation,
            totalSteps);
        if (parallel.IsWriter) File.WriteAllText(Path.Combine(_folder, "config.json"), config.ToJson());
        using var log = parallel.IsWriter ? new MetricsLog(_folder, keepThroughStep: step, Probe?.Name) : null;
        using var board = config.TensorBoard && parallel.IsWriter
            ? new PretrainTensorBoard(_folder, config, options, dataset, step, stopStep)
            : null;
        observer?.OnStart(config, schedule, step, stopStep, parameterCount);

        long startStep = step;
        double firstLoss = double.NaN, lastLoss = double.NaN, stepLoss = 0;
        long lastSaved = step;
        var wall = Stopwatch.StartNew();
        var stepClock = Stopwatch.StartNew();
        long imagesSeen = 0;
        if (step < stopStep)
        {
            foreach (var batch in loader.Batches((int)(micro / microPerEpoch), (int)(micro % microPerEpoch), config.Epochs))
            {
                // One process stops where it is asked to; ranks must stop at one step, so they agree at its end.
                if (!parallel.IsDistributed) cancel.ThrowIfCancellationRequested();
                using (batch)
                {
                    double share = parallel.LossShare(batch.Inputs.LossTerms);
                    stepLoss += share / parallel.Size *
                                training.Accumulate(batch.Images.Images, batch.Inputs, config.NormPixLoss, share / config.Accumulation);
                }
                micro++;
                imagesSeen += config.Batch;
                if (micro % config.Accumulation != 0) continue;

                double lr = schedule.At(step);
                training.Update(lr, config.ClipGrad);
                step++;

                var (lossSum, stop) = parallel.EndStep(stepLoss, parallel.IsDistributed && cancel.IsCancellationRequested);
                double meanLoss = lossSum / config.Accumulation;
                stepLoss = 0;
                if (!double.IsFinite(meanLoss))
                    throw new InvalidOperationException($"the loss became {meanLoss} at step {step}; lower the learning rate or enable --clip-grad");
                if (double.IsNaN(firstLoss)) firstLoss = meanLoss;
                lastLoss = meanLoss;
                var metrics = new StepMetrics(step, totalSteps, (int)((micro - 1) / microPerEpoch), meanLoss, lr,
                    config.EffectiveBatch / stepClock.Elapsed.TotalSeconds, wall.Elapsed);
                if (Probe is { } probe && parallel.IsWriter && (step % probe.Every == 0 || step >= stopStep))
                    metrics = metrics with { Probe = new ProbeReading(probe.Name, Measure(model, probe)) };
                board?.Write(metrics, model);
                stepClock.Restart();
                log?.Write(metrics);
                observer?.OnStep(metrics);
                if (step % parallel.CheckEvery == 0 || step >= stopStep || stop)
                    parallel.VerifyReplicas(step, training.Optimizer.Groups);

                if (step % config.CheckpointEvery == 0 || step >= stopStep || stop)
                {
                    Save(model, training.Optimizer, step, micro, dataset);
                    lastSaved = step;
                    observer?.OnCheckpoint(checkpointPath, step);
                }
                if (stop) throw new RunStoppedException(step);
                if (step >= stopStep) break;
            }
        }
        if (parallel.IsWriter && (lastSaved != step || !File.Exists(checkpointPath)))
        {
            Save(model, training.Optimizer, step, micro, dataset);
            observer?.OnCheckpoint(checkpointPath, step);
        }
        return new PretrainSummary(startStep, step, firstLoss, lastLoss, wall.Elapsed,
            imagesSeen / Math.Max(1e-9, wall.Elapsed.TotalSeconds), checkpointPath, log?.Path ?? Path.Combine(_folder, MetricsLog.FileName));
    }

    static double Measure(Pretrainer model, EncoderProbe probe)
    {
        model.eval();
        try
        {
            using var _ = no_grad();
            return probe.Measure(model.Encoder);
        }
        finally
        {
            model.train();
        }
    }

    /// <summary>Writes the checkpoint (rank 0 only; the other ranks hold the same state).</summary>
    void Save(Pretrainer model, AdamW optimizer, long step, long micro, ImageDataset dataset)
    {
        if (!Parallel.IsWriter) return;
        using var scope = NewDisposeScope();
        using var rng = get_rng_state();
        Checkpoint.Save(Checkpoint.PathIn(_folder), _config, step, micro, model.state_dict(), optimizer.State(), rng,
            BeforeCheckpointRename, Normalisation.Of(dataset));
    }
}
