using System.Text.Json.Nodes;
using System.Diagnostics;
using RandSac.Benchmarks;
using RandSac.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Studies;

/// <summary>
/// How long each stage of a study should take on this machine, from a short measurement of each
/// pre-trained arm's training step (forward, backward, AdamW on a random batch). The
/// evaluations are scaled from it: feature passes as encoder-only forward work (a sixth of a
/// training step per image, as measured for `mini` on CIFAR-10), fine-tuning as the encoder's
/// forward and backward without a decoder (half a training step per image: `t10-skip`'s 5-epoch
/// fine-tune took 485 s, 1.9 ms an image, against 4.3 ms an image in its pre-training). kNN
/// reads the features its run's linear probe cached, so its own work is the neighbour search:
/// about a twentieth of a feature pass (1.3–1.9 s against 34–42 s for the probe, five `mini`
/// runs on CIFAR-10).
/// A rough guide, not a promise.
/// </summary>
public sealed class StudyEstimate
{
    readonly Dictionary<string, double> _secondsPerImage = [];
    readonly StudyDefinition _study;
    readonly int _trainImages;
    readonly int _testImages;

    StudyEstimate(StudyDefinition study, int trainImages, int testImages)
    {
        _study = study;
        _trainImages = trainImages;
        _testImages = testImages;
    }

    /// <summary>
    /// Measures the step of every arm that a run among <paramref name="runs"/> with a <paramref name="pending"/>
    /// stage trains or evaluates (evaluations are scaled from it); a finished run costs no measurement.
    /// </summary>
    public static StudyEstimate Measure(StudyDefinition study, IEnumerable<StudyRun> runs, Func<StudyRun, StudyStage, bool> pending,
        int channels, int imageSize, int trainImages, int testImages, int threads, Action<string>? log, CancellationToken cancel)
    {
        var estimate = new StudyEstimate(study, trainImages, testImages);
        var from = CpuLoad.Now();
        foreach (var run in runs)
        {
            string armName = run.Arm.ShapeOf ?? run.Arm.Name;
            if (estimate._secondsPerImage.ContainsKey(armName)) continue;
            if (!run.Stages.Any(stage => pending(run, stage))) continue;
            cancel.ThrowIfCancellationRequested();
            var config = StudyFile.Resolve(study, StudyFile.Arm(study, armName), run.Seed);
            log?.Invoke($"measuring the step of {armName} ({config.Method}, {config.Segments}, {config.Order}, batch {config.Batch})");
            estimate._secondsPerImage[armName] = SecondsPerImage(config, channels, imageSize, threads);
        }
        if (estimate._secondsPerImage.Count > 0) estimate.ForeignCpuShare = CpuLoad.ForeignShare(from, CpuLoad.Now());
        return estimate;
    }

    /// <summary>
    /// The share of the CPUs other processes used while the steps were measured (NaN where it
    /// cannot be read): a busy machine makes every estimate longer by about as much.
    /// </summary>
    public double ForeignCpuShare { get; private set; } = double.NaN;

    /// <summary>
    /// Training steps at the run's own micro-batch on a random batch: three untimed, then two timed
    /// (one of each where the first took over 10 s). The first steps run up to 2.5 times slower
    /// than the rest, and a smaller batch over-states the cost per image: with one untimed step at
    /// batch 32, the estimate for `mini` at batch 128 came out 1.5 times the measured run. The
    /// optimiser's update counts once per <see cref="PretrainConfig.Accumulation"/> micro-batches.
    /// </summary>
    static double SecondsPerImage(PretrainConfig config, int channels, int imageSize, int threads)
    {
        set_num_threads(threads);
        int batch = config.Batch;
        var options = config.ModelOptions(channels, imageSize);
        using var scope = NewDisposeScope();
        using var model = PretrainerFactory.Create(options);
        using var step = new TrainingStep(model, options, config.Precision, config.WeightDecay, config.Beta1, config.Beta2);
        step.Train();
        using var inputs = PretrainerFactory.CreateInputSampler(options, config.Segments, config.Order).Sample(batch, config.Seed);
        var images = randn(batch, channels, imageSize, imageSize);
        void Untimed()
        {
            step.Accumulate(images, inputs, config.NormPixLoss);
            step.Update(1e-4);
        }
        var first = Stopwatch.StartNew();
        Untimed();
        bool slow = first.Elapsed.TotalSeconds > 10;
        if (!slow)
        {
            Untimed();
            Untimed();
        }
        int timed = slow ? 1 : 2;
        var accumulate = new Stopwatch();
        var update = new Stopwatch();
        for (int i = 0; i < timed; i++)
        {
            accumulate.Start();
            step.Accumulate(images, inputs, config.NormPixLoss);
            accumulate.Stop();
            update.Start();
            step.Update(1e-4);
            update.Stop();
        }
        double secondsPerMicroBatch = (accumulate.Elapsed.TotalSeconds + update.Elapsed.TotalSeconds / config.Accumulation) / timed;
        return secondsPerMicroBatch / batch;
    }

    /// <summary>
    /// Estimated seconds of one stage of a run; a pre-training counts only the steps after those
    /// its checkpoint holds, since it continues from there.
    /// </summary>
    public double Seconds(StudyRun run, StudyStage stage)
    {
        string armName = run.Arm.ShapeOf ?? run.Arm.Name;
        if (!_secondsPerImage.TryGetValue(armName, out double perImage)) return 0;
        var config = StudyFile.Resolve(_study, StudyFile.Arm(_study, armName), run.Seed);
        double featurePass = (_trainImages + _testImages) * perImage / 6;
        return stage switch
        {
            StudyStage.Pretrain => Math.Max(0, PretrainSteps(config, _trainImages) - (run.CheckpointStep() ?? 0))
                                   * config.EffectiveBatch * perImage,
            StudyStage.Linprobe => featurePass,
            StudyStage.Knn => featurePass / 20,
            _ => Epochs(_study.Evaluation.Finetune, new Evaluation.FineTuneOptions().Epochs) * _trainImages * perImage / 2 + featurePass / 2,
        };
    }

    /// <summary>Optimiser steps of a run over <paramref name="trainImages"/> images, as <see cref="Pretraining"/> counts them.</summary>
    public static long PretrainSteps(PretrainConfig config, int trainImages) =>
        Math.Min(Math.Max(1, config.Epochs * (long)(trainImages / config.Batch) / config.Accumulation), config.MaxSteps ?? long.MaxValue);

    public double Seconds(IEnumerable<StudyRun> runs, Func<StudyRun, StudyStage, bool>? pending = null) =>
        runs.Sum(r => r.Stages.Where(s => pending?.Invoke(r, s) ?? true).Sum(s => Seconds(r, s)));

    static double Epochs(JsonObject flags, double fallback) =>
        flags["epochs"] is JsonValue v && v.TryGetValue(out double epochs) ? epochs : fallback;
}
