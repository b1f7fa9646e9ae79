using RandSac.Data;

namespace RandSac.Tests.Data;

public class BatchLoaderTests
{
    static BatchLoader<BatchRequest> Loader(int samples = 23, int batch = 5, bool shuffle = true, bool dropLast = false, long seed = 7) =>
        new(samples, batch, shuffle, dropLast, seed, request => request);

    [Fact]
    public void EachEpochVisitsEverySampleOnce()
    {
        using var loader = Loader();
        var batches = loader.Epoch(0).ToList();

        Assert.Equal(5, loader.BatchesPerEpoch);
        Assert.Equal([5, 5, 5, 5, 3], batches.Select(b => b.Indices.Length));
        Assert.Equal(Enumerable.Range(0, 23), batches.SelectMany(b => b.Indices).Order());
        Assert.Equal([0, 1, 2, 3, 4], batches.Select(b => b.BatchIndex));
    }

    [Fact]
    public void DropLastLeavesOutThePartialBatch()
    {
        using var loader = Loader(dropLast: true);
        var batches = loader.Epoch(2).ToList();

        Assert.Equal(4, batches.Count);
        Assert.All(batches, b => Assert.Equal(5, b.Indices.Length));
        Assert.Equal(20, batches.SelectMany(b => b.Indices).Distinct().Count());
    }

    [Fact]
    public void EpochsAreShuffledDifferentlyUnlessShuffleIsOff()
    {
        using var shuffled = Loader();
        using var ordered = Loader(shuffle: false);

        var first = shuffled.Epoch(0).SelectMany(b => b.Indices).ToArray();
        var second = shuffled.Epoch(1).SelectMany(b => b.Indices).ToArray();

        Assert.NotEqual(first, second);
        Assert.NotEqual(Enumerable.Range(0, 23), first);
        Assert.Equal(Enumerable.Range(0, 23), ordered.Epoch(3).SelectMany(b => b.Indices));
    }

    [Fact]
    public void BatchSeedsDependOnEpochAndIndexOnly()
    {
        using var loader = Loader();
        var seeds = loader.Batches(0, 0, 3).Select(b => b.Seed).ToList();

        Assert.Equal(15, seeds.Distinct().Count());
        using var otherSeed = Loader(seed: 8);
        Assert.NotEqual(seeds[0], otherSeed.Epoch(0).First().Seed);
    }

    [Fact]
    public void ResumingMidRunGivesTheSameBatchesAsAStraightRun()
    {
        using var loader = Loader();
        var straight = loader.Batches(0, 0, 3).ToList();
        var resumed = loader.Batches(1, 2, 3).ToList();

        var expected = straight.Where(b => b.Epoch > 1 || (b.Epoch == 1 && b.BatchIndex >= 2)).ToList();
        Assert.Equal(expected.Count, resumed.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Epoch, expected[i].BatchIndex, expected[i].Seed), (resumed[i].Epoch, resumed[i].BatchIndex, resumed[i].Seed));
            Assert.Equal(expected[i].Indices, resumed[i].Indices);
        }
        // A fresh loader with the same settings agrees too: nothing depends on earlier enumerations.
        using var fresh = Loader();
        Assert.Equal(straight[7].Indices, fresh.Request(1, 2).Indices);
    }

    [Fact]
    public void UnboundedRunCrossesEpochs()
    {
        using var loader = Loader();
        var batches = loader.Batches(startEpoch: 4).Take(12).ToList();

        Assert.Equal([(4, 0), (4, 1), (4, 4), (5, 0), (6, 1)],
            new[] { 0, 1, 4, 5, 11 }.Select(i => (batches[i].Epoch, batches[i].BatchIndex)));
    }

    [Fact]
    public void PreparationRunsOnAnotherThread()
    {
        int consumerThread = Environment.CurrentManagedThreadId;
        using var loader = new BatchLoader<int>(10, 2, false, false, 0, _ => Environment.CurrentManagedThreadId);

        Assert.All(loader.Epoch(0), thread => Assert.NotEqual(consumerThread, thread));
    }

    [Fact]
    public void ExceptionsReachTheConsumerAfterTheBatchesBeforeThem()
    {
        using var loader = new BatchLoader<int>(20, 2, false, false, 0, request =>
            request.BatchIndex == 3 ? throw new InvalidDataException($"bad batch {request.BatchIndex}") : request.BatchIndex);
        var received = new List<int>();

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (int batch in loader.Epoch(0))
            {
                received.Add(batch);
            }
        });

        Assert.Equal("bad batch 3", error.Message);
        Assert.Equal([0, 1, 2], received);
    }

    sealed class Tracked(int index) : IDisposable
    {
        public int Index { get; } = index;
        public bool Disposed { get; private set; }
        public void Dispose() => Disposed = true;
    }

    [Fact]
    public void StoppingEarlyStopsTheThreadAndDisposesUntakenBatches()
    {
        var made = new System.Collections.Concurrent.ConcurrentBag<Tracked>();
        using var loader = new BatchLoader<Tracked>(1000, 1, false, false, 0, request =>
        {
            var item = new Tracked(request.BatchIndex);
            made.Add(item);
            return item;
        }, prefetch: 2);

        var taken = new List<Tracked>();
        foreach (var item in loader.Epoch(0))
        {
            taken.Add(item);
            if (taken.Count == 3)
            {
                Thread.Sleep(50); // let the producer fill its queue
                break;
            }
        }
        int madeAfterStop = made.Count;
        Thread.Sleep(50);

        Assert.Equal(madeAfterStop, made.Count); // nothing more is prepared
        Assert.InRange(madeAfterStop, 3, 3 + 2 + 1); // taken + queue + one in hand
        Assert.All(taken, t => Assert.False(t.Disposed));
        Assert.All(made.Where(m => !taken.Contains(m)), m => Assert.True(m.Disposed));
    }

    [Fact]
    public void DisposingTheLoaderEndsAnOpenEnumeration()
    {
        var loader = new BatchLoader<int>(1000, 1, false, false, 0, r => r.BatchIndex);
        using var enumerator = loader.Batches().GetEnumerator();
        Assert.True(enumerator.MoveNext());

        loader.Dispose();

        // Whatever was already queued may still arrive, then the enumeration ends.
        int more = 0;
        while (enumerator.MoveNext())
        {
            more++;
        }
        Assert.InRange(more, 0, 3);
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(0).First());
    }

    [Fact]
    public void TooFewSamplesForABatchIsAClearError()
    {
        var error = Assert.Throws<DataException>(() => Loader(samples: 3, batch: 5, dropLast: true));
        Assert.Contains("3 samples make no batch of 5", error.Message);
    }
}
