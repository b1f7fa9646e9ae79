using RandSac.Data;
using RandSac.Models;
using RandSac.Training;

namespace RandSac.Evaluation;

/// <summary>
/// kNN accuracy on fixed, held-out subsets, cheap enough to run during pre-training: a seeded
/// random subset of the train split is the memory bank, one of the test split the queries.
/// </summary>
public sealed class KnnMonitor : IDisposable
{
    readonly ImageDataset _bank;
    readonly ImageDataset _queries;
    readonly KnnClassifier _knn;

    public const int DefaultBank = 2000;
    public const int DefaultQueries = 500;

    public KnnMonitor(DatasetSpec dataset, int bankCount = DefaultBank, int queryCount = DefaultQueries, long seed = 0,
        KnnClassifier? knn = null)
    {
        if (bankCount < 1 || queryCount < 1) throw new ArgumentException($"kNN subsets must not be empty, got {bankCount} and {queryCount}");
        _knn = knn ?? new KnnClassifier();
        using (var train = dataset.Open(DataSplit.Train))
            _bank = train.Subset(Sample(train.Count, bankCount, SeededRandom.Derive(seed, 0xB4)), $"{train.Name}[kNN bank]");
        try
        {
            using var test = dataset.Open(DataSplit.Test);
            _queries = test.Subset(Sample(test.Count, queryCount, SeededRandom.Derive(seed, 0x9E)), $"{test.Name}[kNN queries]");
        }
        catch
        {
            _bank.Dispose();
            throw;
        }
        if (_knn.K > _bank.Count)
        {
            Dispose();
            throw new ArgumentException($"k = {_knn.K} is larger than the kNN memory bank of {_bank.Count} images");
        }
    }

    /// <summary>Top-1 kNN accuracy (a fraction) of the encoder's features.</summary>
    public double Top1(VisionTransformer encoder)
    {
        using var bank = FeatureExtractor.Extract(encoder, _bank);
        using var queries = FeatureExtractor.Extract(encoder, _queries);
        return _knn.Evaluate(bank, queries).Top1;
    }

    /// <summary>This monitor as a pre-training probe, every <paramref name="every"/> optimiser steps.</summary>
    public EncoderProbe Probe(int every) => new("knn", every, Top1);

    /// <summary>min(count, total) distinct indices, seeded, in increasing order.</summary>
    static int[] Sample(int total, int count, long seed)
    {
        var order = Enumerable.Range(0, total).ToArray();
        new SeededRandom(seed).Shuffle(order.AsSpan());
        return order.Take(Math.Min(count, total)).Order().ToArray();
    }

    public void Dispose()
    {
        _bank.Dispose();
        _queries.Dispose();
    }
}
