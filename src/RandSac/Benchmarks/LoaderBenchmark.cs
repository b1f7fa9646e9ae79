using System.Diagnostics;
using System.Runtime.ExceptionServices;
using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Models;

namespace RandSac.Benchmarks;

/// <summary>
/// Times the data path of pre-training as its loader thread runs it: reading and augmenting a
/// batch of images (<see cref="ImageBatchPreparer"/> with the pre-training augmentation) and
/// sampling its segment plan or MAE mask, masks and index tensors included — everything the
/// training step then only reads.
/// </summary>
public static class LoaderBenchmark
{
    /// <summary>Images per second one loader thread prepares, over <paramref name="batches"/> batches after one warm-up batch.</summary>
    public static LoaderBenchmarkResult Run(DatasetSpec dataset, PretrainOptions options, string segments, string order,
        int batchSize, int batches = 20, CancellationToken cancel = default)
    {
        if (batches <= 0) throw new ArgumentException($"loader batches must be positive, got {batches}");
        using var data = dataset.Open(DataSplit.Train);
        var preparer = new ImageBatchPreparer(data, AugmentationOptions.Pretrain);
        var sampler = PretrainerFactory.CreateInputSampler(options, segments, order);
        var loader = new BatchLoader<int>(data.Count, batchSize, shuffle: true, dropLast: true, seed: 0, _ => 0);
        double seconds = 0;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Prepare();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }) { IsBackground = true, Name = "loader benchmark" };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return new LoaderBenchmarkResult(batchSize, batches, seconds);

        void Prepare()
        {
            for (int i = 0; i <= batches; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var request = loader.Request(0, i % loader.BatchesPerEpoch);
                long start = Stopwatch.GetTimestamp();
                using (preparer.Prepare(request))
                using (sampler.Sample(request.Indices.Length, (int)SeededRandom.Derive(request.Seed, 1)))
                {
                }
                if (i > 0) seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }
    }
}

/// <summary>Batches prepared by <see cref="LoaderBenchmark"/> and the time they took.</summary>
public sealed record LoaderBenchmarkResult(int BatchSize, int Batches, double Seconds)
{
    public double ImagesPerSecond => BatchSize * (double)Batches / Seconds;
}
