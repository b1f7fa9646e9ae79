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

    /// <summary>
    /// Runs (or with <paramref name="resume"/> continues) the run in the folder; its writer holds the
    /// folder's <see cref="RunFolderLock"/> throughout. When <paramref name="cancel"/> is cancelled,
    /// the current step is finished and checkpointed, then <see cref="RunStoppedException"/> is thrown.
    /// When the run diverges, <see cref="TrainingDivergedException"/> is thrown and the last
    /// checkpoint, which holds only finite values, is left as it was.
    /// </summary>
    public PretrainSummary Run(bool resume, IPretrainObserver? observer = null, CancellationToken cancel = default)
    {
        bool writer = Parallel.IsWriter;
        bool created = writer && !Directory.Exists(_folder);
        using var folderLock = writer ? RunFolderLock.Acquire(_folder) : null;
        bool started = false;
        try
        {
            return Run(resume, observer, cancel, () => started = true);
        }
        catch when (created && !started)
        {
            // A run rejected before it began leaves no folder behind.
            folderLock!.Dispose();
            Directory.Delete(_folder, recursive: true);
            throw;
        }
    }

    PretrainSummary Run(bool resume, IPretrainObserver? observer, CancellationToken cancel, Action onStarted)
    {
        var config = _config;
        var parallel = Parallel;
        parallel.LocalBatch(config.Batch);
        string checkpointPath = Checkpoint.PathIn(_folder);
        if (!resume && File.Exists(checkpointPath))
            throw new IOException($"{_folder} already holds a run ({Checkpoint.FileName}); pass --resume to continue it, or choose another --out");
        if (parallel.IsWriter) RemoveTemporaryFiles();
        using var start = resume ? Checkpoint.Load(checkpointPath) : null;
        if (start is not null && start.Config.ResumeConflicts(config) is { Count: > 0 } conflicts)
            throw new ArgumentException($"{_folder}: the run was made with other settings: " +
                                        string.Join(", ", conflicts.Select(c => $"{c.Name} {c.Other} (the run has {c.Value})")));
        set_num_threads(config.Threads ?? parallel.DefaultThreads ?? CpuThreads.PhysicalCores);

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
        onStarted();
        if (parallel.IsWriter) File.WriteAllText(Path.Combine(_folder, "config.json"), config.ToJson());
        using var log = parallel.IsWriter ? new MetricsLog(_folder, keepThroughStep: step, Probe?.Name) : null;
        using var board = config.TensorBoard && parallel.IsWriter
            ? new PretrainTensorBoard(_folder, config, options, dataset, step, stopStep)
            : null;
        observer?.OnStart(config, schedule, step, stopStep, parameterCount);

        long startStep = step;
        double stepLoss = 0;
        long? lastSaved = start is null ? null : step;
        var wall = Stopwatch.StartNew();
        var stepClock = Stopwatch.StartNew();
        long imagesSeen = 0;
        if (step < stopStep)
        {
            foreach (var batch in loader.Batches((int)(micro / microPerEpoch), (int)(micro % microPerEpoch), config.Epochs))
            {
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
                try
                {
                    // One process sees its loss at once; ranks see the reduced gradients, which a rank's non-finite loss makes non-finite on all.
                    if (!parallel.IsDistributed && !double.IsFinite(stepLoss)) throw new TrainingDivergedException($"the loss is {stepLoss / config.Accumulation}");
                    training.Update(lr, config.ClipGrad);
                }
                catch (TrainingDivergedException e)
                {
                    throw Diverged(e.Message, step + 1, lastSaved);
                }
                step++;

                // Ranks must stop at one step, so a stop request is agreed at the step's end (and one process does the same).
                var (lossSum, stop) = parallel.EndStep(stepLoss, cancel.IsCancellationRequested);
                double meanLoss = lossSum / config.Accumulation;
                stepLoss = 0;
                if (!double.IsFinite(meanLoss)) throw Diverged($"the loss is {meanLoss}", step, lastSaved);
                var metrics = new StepMetrics(step, totalSteps, (int)((micro - 1) / microPerEpoch), meanLoss, lr,
                    config.EffectiveBatch / stepClock.Elapsed.TotalSeconds, wall.Elapsed);
                if (Probe is { } probe && parallel.IsWriter && (step % probe.Every == 0 || step >= stopStep))
                    metrics = metrics with { Probe = new ProbeReading(probe.Name, Measure(model, probe)) };
                board?.Write(metrics, model);
                stepClock.Restart();
                log?.Write(metrics);
                observer?.OnStep(metrics);
                if (!parallel.IsDistributed) stop = cancel.IsCancellationRequested; // one process needs no agreement: the latest word counts
                if (step % parallel.CheckEvery == 0 || step >= stopStep || stop)
                    parallel.VerifyReplicas(step, training.Optimizer.Groups);

                if (step % config.CheckpointEvery == 0 || step >= stopStep || stop)
                {
                    Save(model, training.Optimizer, step, micro, dataset, lastSaved);
                    lastSaved = step;
                    observer?.OnCheckpoint(checkpointPath, step);
                }
                if (step >= stopStep) break; // finished: a late stop request changes nothing
                if (stop) throw new RunStoppedException(step);
            }
        }
        if (parallel.IsWriter && lastSaved != step)
        {
            Save(model, training.Optimizer, step, micro, dataset, lastSaved);
            observer?.OnCheckpoint(checkpointPath, step);
        }
        // The whole run's first and last recorded losses, also when this session added no step.
        string metricsPath = log?.Path ?? Path.Combine(_folder, MetricsLog.FileName);
        var losses = MetricsLog.ReadLosses(metricsPath);
        return new PretrainSummary(startStep, step, losses.Count > 0 ? losses[0].Loss : double.NaN,
            losses.Count > 0 ? losses[^1].Loss : double.NaN, wall.Elapsed,
            imagesSeen / Math.Max(1e-9, wall.Elapsed.TotalSeconds), checkpointPath, metricsPath);
    }

    /// <summary>What a diverged run says: the step, what went wrong, what was kept and what to try.</summary>
    TrainingDivergedException Diverged(string what, long step, long? lastSaved)
    {
        string kept = lastSaved is { } saved
            ? $"{Checkpoint.PathIn(_folder)} still holds step {saved}, with finite values only"
            : "no checkpoint had been written yet";
        string fp32 = _config.Precision == Precision.Fp32 ? "" : ", or resume in fp32 (--resume --precision fp32)";
        string resume = lastSaved is null ? "" : $"; --resume continues from step {lastSaved}";
        return new TrainingDivergedException(
            $"training diverged at step {step}: {what}; nothing of that step was saved, and {kept}. " +
            $"Try a lower --base-lr (this run: {_config.BaseLr:G}) or --clip-grad (e.g. 1.0) in a new run{fp32}{resume}");
    }

    /// <summary>Temporary files of writes a kill or a full disk interrupted; the lock guarantees none is in progress.</summary>
    void RemoveTemporaryFiles()
    {
        foreach (var pattern in new[] { "*.tmp", "*.tmp.png" })
            foreach (var file in Directory.EnumerateFiles(_folder, pattern))
                File.Delete(file);
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
    void Save(Pretrainer model, AdamW optimizer, long step, long micro, ImageDataset dataset, long? lastSaved)
    {
        // The updates are checked step by step; this is the last guard before anything reaches the disk.
        if (!optimizer.IsFinite(moments: true))
            throw Diverged("the weights or the optimiser's moments are not finite", step, lastSaved);
        if (!Parallel.IsWriter) return;
        using var scope = NewDisposeScope();
        using var rng = get_rng_state();
        string path = Checkpoint.PathIn(_folder);
        try
        {
            Checkpoint.Save(path, _config, step, micro, model.state_dict(), optimizer.State(), rng, BeforeCheckpointRename,
                Normalisation.Of(dataset));
        }
        catch (IOException e)
        {
            // A full disk, say: the cut temporary file goes at once, so it does not hold on to the space.
            File.Delete(path + ".tmp");
            string kept = lastSaved is { } saved ? $"{path} still holds step {saved}" : "no checkpoint was written";
            throw new IOException($"could not write the checkpoint of step {step}: {e.Message}; {kept}", e);
        }
    }
}
