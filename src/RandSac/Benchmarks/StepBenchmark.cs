using System.Diagnostics;
using RandSac.Distributed;
using RandSac.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Benchmarks;

/// <summary>
/// Times the pre-training step exactly as <see cref="Pretraining"/> runs it
/// (<see cref="TrainingStep"/>: forward, backward, AdamW update, in fp32 or bf16 mixed precision)
/// on one fixed random batch and plan: warm-up steps, an optional wait for an idle machine, the
/// 1024³ matmul peaks, then the timed steps with the other processes' CPU share over them.
/// Under <see cref="DataParallel"/> every rank times its slice of the batch with the gradient
/// Allreduce in the step; peaks and CPU time are summed over the job's ranks, and the foreign
/// share excludes all of them.
/// </summary>
public static class StepBenchmark
{
    public static StepBenchmarkResult Run(StepBenchmarkSettings settings, Action<string>? log = null, CancellationToken cancel = default,
        DataParallel? parallel = null)
    {
        settings.Validated();
        parallel ??= DataParallel.Single;
        int local = parallel.LocalBatch(settings.Batch);
        set_num_threads(settings.Threads);
        manual_seed(settings.Seed);
        var options = settings.Options;
        using var model = PretrainerFactory.Create(options);
        using var step = new TrainingStep(model, options, settings.Precision, weightDecay: 0.05, beta1: 0.9, beta2: 0.95)
        {
            Reducer = parallel.Reducer,
        };
        step.Train();
        var sampler = PretrainerFactory.CreateInputSampler(options, settings.Segments, settings.Order);
        using var inputs = sampler.Sample(local, settings.Seed, parallel.Rank * local);
        var e = options.Encoder;
        using var images = randn(local, e.Channels, e.ImageHeight, e.ImageWidth);
        var cost = ModelCost.Of(model, options, SequenceLengths.Sample(options, settings.Segments, settings.Order, settings.Batch));

        double loss = double.NaN;
        void OneStep(out double optimizerSeconds)
        {
            loss = step.Accumulate(images, inputs, normPixLoss: true);
            long start = Stopwatch.GetTimestamp();
            step.Update(1e-4);
            optimizerSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        for (int i = 0; i < settings.Warmup; i++)
        {
            cancel.ThrowIfCancellationRequested();
            OneStep(out _);
        }

        var waited = TimeSpan.Zero;
        bool idle = settings.Idle is null;
        double foreign = double.NaN, cpuSeconds = double.NaN, peak32 = double.NaN, peak16 = double.NaN, reduceSeconds = 0;
        var times = new List<double>();
        var optimizerTimes = new List<double>();
        int tries = 0;
        int maxTries = 1 + (settings.Idle?.Retries ?? 0);
        while (tries < maxTries)
        {
            tries++;
            if (settings.Idle is { } policy)
            {
                var wait = CpuLoad.WaitForIdle(policy.Quiet, policy.MaxWait, policy.MaxForeign, log, cancel);
                waited += wait.Waited;
                idle = wait.Idle;
            }
            // Every rank at once, as they train: the job's peak is the ranks' sum.
            peak32 = Sum(parallel, MatmulPeak.Measure(ScalarType.Float32));
            peak16 = Sum(parallel, MatmulPeak.Measure(ScalarType.BFloat16));
            times.Clear();
            optimizerTimes.Clear();
            var reducing = parallel.Averager?.Elapsed ?? TimeSpan.Zero;
            var from = CpuLoad.Now();
            for (int i = 0; i < settings.Steps; i++)
            {
                cancel.ThrowIfCancellationRequested();
                long start = Stopwatch.GetTimestamp();
                OneStep(out double optimizerSeconds);
                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                optimizerTimes.Add(optimizerSeconds);
            }
            var to = CpuLoad.Now();
            reduceSeconds = ((parallel.Averager?.Elapsed ?? TimeSpan.Zero) - reducing).TotalSeconds / settings.Steps;
            // The job's own CPU time is every rank's; the ranks agree on one foreign share, so on whether to time again.
            double jobCpu = Sum(parallel, (to.OwnCpu - from.OwnCpu).TotalSeconds);
            foreign = Sum(parallel, CpuLoad.ForeignShare(from, to, TimeSpan.FromSeconds(jobCpu))) / parallel.Size;
            cpuSeconds = jobCpu / settings.Steps;
            if (settings.Idle is null || !(foreign > settings.Idle.MaxForeign)) break;
            log?.Invoke($"other processes used {foreign:P1} of the CPUs during the timed steps; timing again");
        }
        return new StepBenchmarkResult(settings, times.ToArray(), optimizerTimes.ToArray(), cost, peak32, peak16,
            ProcessMemory.PeakResidentBytes(), foreign, waited, idle, tries, loss, cpuSeconds)
        {
            Ranks = parallel.Size,
            ReduceSecondsPerStep = reduceSeconds,
            ReducedElements = parallel.Averager?.ElementsPerStep ?? 0,
        };
    }

    static double Sum(DataParallel parallel, double value)
    {
        Span<double> values = [value];
        parallel.Communicator.SumInPlace(values);
        return values[0];
    }
}
