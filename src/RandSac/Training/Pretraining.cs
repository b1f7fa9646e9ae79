using System.Diagnostics;
using RandSac.Data;
using RandSac.Distributed;
using RandSac.Models;
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

    /// <summary>
    /// The folder's checkpoint, when the caller has loaded it already (to read its settings), so a resume
    /// need not load and verify it again; the caller disposes it. Otherwise a resume loads it.
    /// </summary>
    public Checkpoint? Resumed { get; init; }

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
        Parallel.LocalBatch(_config.Batch);
        if (!resume && File.Exists(Checkpoint.PathIn(_folder)))
            throw new IOException($"{_folder} already holds a run ({Checkpoint.FileName}); pass --resume to continue it, or choose another --out");
        if (Parallel.IsWriter) RemoveTemporaryFiles();
        using var run = PreparedRun.Prepare(_config, _folder, resume ? Resumed : null, resume, Parallel, Note ?? (_ => { }));
        onStarted();
        run.OpenLogs(Probe?.Name);
        observer?.OnStart(_config, run.Schedule.LearningRate, run.Step, run.Schedule.StopStep, run.ParameterCount);
        return Train(run, observer, cancel);
    }

    /// <summary>
    /// The loop, one micro-batch at a time: forward and backward; every <see cref="PretrainConfig.Accumulation"/>
    /// micro-batches an optimiser step at the schedule's lr, its metrics logged, and a checkpoint when one is due.
    /// </summary>
    PretrainSummary Train(PreparedRun run, IPretrainObserver? observer, CancellationToken cancel)
    {
        var (config, parallel, schedule) = (_config, Parallel, run.Schedule);
        long step = run.Step, micro = run.MicroBatches, startStep = step, imagesSeen = 0;
        long? lastSaved = run.Start is null ? null : step;
        double stepLoss = 0;
        var wall = Stopwatch.StartNew();
        var stepClock = Stopwatch.StartNew();
        var batches = step < schedule.StopStep
            ? run.Loader.Batches((int)(micro / schedule.MicroBatchesPerEpoch), (int)(micro % schedule.MicroBatchesPerEpoch), config.Epochs)
            : [];
        foreach (var batch in batches)
        {
            stepLoss += ForwardBackward(run, batch, micro);
            micro++;
            imagesSeen += config.Batch;
            if (micro % config.Accumulation != 0) continue;

            double lr = schedule.LearningRate.At(step);
            Update(run, lr, stepLoss, step, lastSaved);
            step++;

            // Ranks must stop at one step, so a stop request is agreed at the step's end (and one process does the same).
            var (lossSum, stop) = parallel.EndStep(stepLoss, cancel.IsCancellationRequested);
            double meanLoss = lossSum / config.Accumulation;
            stepLoss = 0;
            if (!double.IsFinite(meanLoss)) throw Diverged($"the loss is {meanLoss}", step, lastSaved);
            var metrics = new StepMetrics(step, schedule.TotalSteps, (int)((micro - 1) / schedule.MicroBatchesPerEpoch), meanLoss, lr,
                config.EffectiveBatch / stepClock.Elapsed.TotalSeconds, wall.Elapsed);
            metrics = WithProbe(run, metrics);
            run.Board?.Write(metrics, run.Model);
            stepClock.Restart();
            run.Log?.Write(metrics);
            observer?.OnStep(metrics);
            if (!parallel.IsDistributed) stop = cancel.IsCancellationRequested; // one process needs no agreement: the latest word counts
            if (step % parallel.CheckEvery == 0 || step >= schedule.StopStep || stop)
                parallel.VerifyReplicas(step, run.Training.Optimizer.Groups);

            if (step % config.CheckpointEvery == 0 || step >= schedule.StopStep || stop)
            {
                Save(run, step, micro, lastSaved);
                lastSaved = step;
                observer?.OnCheckpoint(Checkpoint.PathIn(_folder), step);
            }
            if (step >= schedule.StopStep) break; // finished: a late stop request changes nothing
            if (stop) throw new RunStoppedException(step);
        }
        if (parallel.IsWriter && lastSaved != step)
        {
            Save(run, step, micro, lastSaved);
            observer?.OnCheckpoint(Checkpoint.PathIn(_folder), step);
        }
        return Summary(run, startStep, step, imagesSeen, wall.Elapsed);
    }

    /// <summary>One micro-batch's forward and backward; its share of the step's loss (summed over ranks later).</summary>
    /// <summary>The stream of seeds of the ranks' stochastic-depth draws.</summary>
    const long DropPathDraws = 0xD9A7;

    double ForwardBackward(PreparedRun run, PretrainBatch batch, long micro)
    {
        using (batch)
        {
            // Ranks share one seed, so each draws its stochastic-depth masks from its rank and the micro-batch's
            // position instead: its slice's own, and the same again after a resume (which restores rank 0's generator).
            if (_config.DropPath > 0 && Parallel.IsDistributed) manual_seed(SeededRandom.Derive(_config.Seed, DropPathDraws, Parallel.Rank, micro));
            double share = Parallel.LossShare(batch.Inputs.LossTerms);
            return share / Parallel.Size *
                   run.Training.Accumulate(batch.Images.Images, batch.Inputs, _config.NormPixLoss, share / _config.Accumulation);
        }
    }

    /// <summary>The optimiser step at <paramref name="lr"/>; a run whose loss or gradients are not finite stops as diverged.</summary>
    void Update(PreparedRun run, double lr, double stepLoss, long step, long? lastSaved)
    {
        try
        {
            // One process sees its loss at once; ranks see the reduced gradients, which a rank's non-finite loss makes non-finite on all.
            if (!Parallel.IsDistributed && !double.IsFinite(stepLoss)) throw new TrainingDivergedException($"the loss is {stepLoss / _config.Accumulation}");
            run.Training.Update(lr, _config.ClipGrad);
        }
        catch (TrainingDivergedException e)
        {
            throw Diverged(e.Message, step + 1, lastSaved);
        }
    }

    /// <summary>A step's metrics with the probe's reading, on the writer, when one is due.</summary>
    StepMetrics WithProbe(PreparedRun run, StepMetrics metrics) =>
        Probe is { } probe && Parallel.IsWriter && (metrics.Step % probe.Every == 0 || metrics.Step >= run.Schedule.StopStep)
            ? metrics with { Probe = new ProbeReading(probe.Name, Measure(run.Model, probe)) }
            : metrics;

    /// <summary>The whole run's first and last recorded losses, also when this session added no step.</summary>
    PretrainSummary Summary(PreparedRun run, long startStep, long step, long imagesSeen, TimeSpan wall)
    {
        string metricsPath = run.Log?.Path ?? Path.Combine(_folder, MetricsLog.FileName);
        var losses = MetricsLog.ReadLosses(metricsPath);
        return new PretrainSummary(startStep, step, losses.Count > 0 ? losses[0].Loss : double.NaN,
            losses.Count > 0 ? losses[^1].Loss : double.NaN, wall,
            imagesSeen / Math.Max(1e-9, wall.TotalSeconds), Checkpoint.PathIn(_folder), metricsPath);
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
    void Save(PreparedRun run, long step, long micro, long? lastSaved)
    {
        var (model, optimizer) = (run.Model, run.Training.Optimizer);
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
                Normalisation.Of(run.Dataset));
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
