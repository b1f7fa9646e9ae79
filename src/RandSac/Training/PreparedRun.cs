using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Distributed;
using RandSac.Models;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// Everything a pre-training run needs before its first step: the checkpoint it resumes from, the
/// training images, the model and its optimiser (restored when resuming), the batch loader, the
/// schedule and where the run starts; after <see cref="OpenLogs"/>, its metrics log and TensorBoard.
/// Disposing it releases all of them.
/// </summary>
sealed class PreparedRun : IDisposable
{
    readonly List<IDisposable> _owned = [];

    public required PretrainConfig Config { get; init; }
    public required string Folder { get; init; }
    public required DataParallel Parallel { get; init; }

    public Checkpoint? Start { get; private set; }
    public ImageDataset Dataset { get; private set; } = null!;
    public PretrainOptions Options { get; private set; } = null!;
    public Pretrainer Model { get; private set; } = null!;
    public TrainingStep Training { get; private set; } = null!;
    public BatchLoader<PretrainBatch> Loader { get; private set; } = null!;
    public PretrainSchedule Schedule { get; private set; } = null!;
    public int ParameterCount { get; private set; }

    /// <summary>The optimiser step and micro-batch the run continues after (0 for a new run).</summary>
    public long Step { get; private set; }
    public long MicroBatches { get; private set; }

    public MetricsLog? Log { get; private set; }
    public PretrainTensorBoard? Board { get; private set; }

    /// <summary>
    /// Loads the checkpoint to resume (refusing one made with settings a resume may not change),
    /// opens the training images, builds the model under the run's seed (from <see cref="PretrainConfig.Init"/>
    /// for a new run, the checkpoint's state for a resumed one, its random state included) and the loader.
    /// A resume continues from <paramref name="loaded"/> when given (its owner disposes it), else from the folder's checkpoint.
    /// </summary>
    public static PreparedRun Prepare(PretrainConfig config, string folder, Checkpoint? loaded, bool resume, DataParallel parallel, Action<string> note)
    {
        var run = new PreparedRun { Config = config, Folder = folder, Parallel = parallel };
        try
        {
            run.Load(loaded, resume, note);
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    void Load(Checkpoint? loaded, bool resume, Action<string> note)
    {
        var config = Config;
        string path = Checkpoint.PathIn(Folder);
        // The caller's copy serves while it is still the folder's checkpoint: it was read before the folder was locked.
        Start = !resume ? null
            : loaded is not null && Checkpoint.StepIn(path) == loaded.Step ? loaded
            : Own(Checkpoint.Load(path));
        if (Start is not null && Start.Config.ResumeConflicts(config) is { Count: > 0 } conflicts)
            throw new ArgumentException($"{Folder}: the run was made with other settings: " +
                                        string.Join(", ", conflicts.Select(c => $"{c.Name} {c.Other} (the run has {c.Value})")));
        set_num_threads(config.Threads ?? Parallel.DefaultThreads ?? CpuThreads.PhysicalCores);

        Dataset = Own(config.Dataset.Open(DataSplit.Train, config.Patch));
        Options = config.ModelOptions(Dataset.Channels, Dataset.Height);
        manual_seed(config.Seed);
        Model = Own(PretrainerFactory.Create(Options));
        if (Start is null && config.Init is { } init) InitialWeights.Apply(Model, init, note);
        var inputSampler = PretrainerFactory.CreateInputSampler(Options, config.Segments, config.Order);
        ParameterCount = (int)Model.parameters().Sum(p => p.numel());
        Training = Own(new TrainingStep(Model, Options, config.Precision, config.WeightDecay, config.Beta1, config.Beta2)
        {
            Reducer = Parallel.Reducer,
        });
        if (Start is not null)
        {
            Training.Load(Start.Model, Start.Optimizer, Start.Step);
            if (Start.TorchRngState is not null) set_rng_state(Start.TorchRngState);
            Step = Start.Step;
            MicroBatches = Start.MicroBatches;
        }
        Training.Train();

        var preparer = new ImageBatchPreparer(Dataset, AugmentationOptions.Pretrain);
        var parallel = Parallel;
        Loader = Own(new BatchLoader<PretrainBatch>(Dataset.Count, config.Batch, shuffle: true, dropLast: PretrainSchedule.DropLast,
            config.Seed, request =>
            {
                var slice = parallel.Slice(request);
                return new PretrainBatch(preparer.Prepare(slice),
                    inputSampler.Sample(slice.Indices.Length, (int)SeededRandom.Derive(request.Seed, 1), slice.FirstPosition));
            }));
        Schedule = PretrainSchedule.Of(config, Dataset.Count);
    }

    /// <summary>The run's writer records its config and opens its metrics log (kept through the start step) and TensorBoard.</summary>
    public void OpenLogs(string? probeName)
    {
        if (!Parallel.IsWriter) return;
        File.WriteAllText(Path.Combine(Folder, PretrainConfig.FileInRun), Config.ToJson());
        Log = Own(new MetricsLog(Folder, keepThroughStep: Step, probeName));
        if (Config.TensorBoard) Board = Own(new PretrainTensorBoard(Folder, Config, Options, Dataset, Step, Schedule.StopStep));
    }

    T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        // Last made, first released, as the scopes of one method would.
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
