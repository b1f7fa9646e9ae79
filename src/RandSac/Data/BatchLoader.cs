using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace RandSac.Data;

/// <summary>
/// Splits epochs of <c>sampleCount</c> samples into batches and prepares them on a background
/// thread, a bounded number ahead of the consumer, so data work overlaps with training.
/// <para>
/// Everything is a function of the seed and the position: epoch <c>e</c> visits the samples in
/// the permutation derived from (seed, e) (or in order without shuffling), every sample exactly
/// once; batch <c>b</c> of epoch <c>e</c> carries a seed derived from (seed, e, b). Starting at
/// any (epoch, batch) therefore yields exactly the batches an uninterrupted run would have.
/// </para>
/// <para>
/// An exception thrown by <c>prepare</c> is rethrown to the consumer when it reaches that batch.
/// Batches the consumer never took (after a break or dispose) are disposed if they are
/// <see cref="IDisposable"/>; batches it did take are its to dispose. TorchSharp dispose scopes
/// are per thread and the loader opens none, so tensors made by <c>prepare</c> belong to no scope.
/// </para>
/// </summary>
public sealed class BatchLoader<T> : IDisposable
{
    readonly Func<BatchRequest, T> _prepare;
    readonly object _gate = new();
    readonly HashSet<Producer> _producers = [];
    bool _disposed;

    public BatchLoader(int sampleCount, int batchSize, bool shuffle, bool dropLast, long seed,
        Func<BatchRequest, T> prepare, int prefetch = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(prefetch);
        ArgumentNullException.ThrowIfNull(prepare);
        SampleCount = sampleCount;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Seed = seed;
        Prefetch = prefetch;
        _prepare = prepare;
        BatchesPerEpoch = BatchesIn(sampleCount, batchSize, dropLast);
    }

    /// <summary>The batches an epoch of <paramref name="sampleCount"/> samples makes; an epoch without one is refused.</summary>
    public static int BatchesIn(int sampleCount, int batchSize, bool dropLast)
    {
        int batches = dropLast ? sampleCount / batchSize : (sampleCount + batchSize - 1) / batchSize;
        if (batches == 0)
            throw new DataException($"{sampleCount} samples make no batch of {batchSize}{(dropLast ? " with drop-last" : "")}; use a smaller batch size");
        return batches;
    }

    public int SampleCount { get; }
    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public long Seed { get; }

    /// <summary>How many prepared batches may wait for the consumer.</summary>
    public int Prefetch { get; }

    public int BatchesPerEpoch { get; }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the samples.</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = Enumerable.Range(0, SampleCount).ToArray();
        if (Shuffle)
        {
            new SeededRandom(SeededRandom.Derive(Seed, 0x5EED_0001, epoch)).Shuffle(order.AsSpan());
        }
        return order;
    }

    /// <summary>The request for batch <paramref name="batchIndex"/> of epoch <paramref name="epoch"/>.</summary>
    public BatchRequest Request(int epoch, int batchIndex) => Request(epoch, batchIndex, EpochOrder(epoch));

    BatchRequest Request(int epoch, int batchIndex, int[] order)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if ((uint)batchIndex >= (uint)BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(batchIndex), $"batch {batchIndex} of {BatchesPerEpoch}");
        }
        int start = batchIndex * BatchSize;
        int count = Math.Min(BatchSize, SampleCount - start);
        int[] indices = order.AsSpan(start, count).ToArray();
        return new BatchRequest(epoch, batchIndex, indices, SeededRandom.Derive(Seed, 0x5EED_0002, epoch, batchIndex));
    }

    /// <summary>The batches of one epoch, from <paramref name="startBatch"/> on.</summary>
    public IEnumerable<T> Epoch(int epoch, int startBatch = 0) => Batches(epoch, startBatch, epoch + 1);

    /// <summary>
    /// Batches from (<paramref name="startEpoch"/>, <paramref name="startBatch"/>) up to, not including,
    /// <paramref name="endEpoch"/> (null: without end). Preparation runs ahead across epoch boundaries.
    /// Each enumeration has its own background thread, stopped when the enumeration ends or is disposed.
    /// </summary>
    public IEnumerable<T> Batches(int startEpoch = 0, int startBatch = 0, int? endEpoch = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startEpoch);
        if ((uint)startBatch >= (uint)BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(startBatch), $"batch {startBatch} of {BatchesPerEpoch}");
        }
        return Enumerate(startEpoch, startBatch, endEpoch);
    }

    IEnumerable<T> Enumerate(int startEpoch, int startBatch, int? endEpoch)
    {
        if (endEpoch is { } end && end <= startEpoch)
        {
            yield break;
        }
        var producer = new Producer(this, startEpoch, startBatch, endEpoch);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _producers.Add(producer);
        }
        try
        {
            producer.Start();
            while (producer.Next(out T item))
            {
                yield return item;
            }
        }
        finally
        {
            producer.Stop();
            lock (_gate)
            {
                _producers.Remove(producer);
            }
        }
    }

    /// <summary>Stops every background thread and disposes the batches nobody took.</summary>
    public void Dispose()
    {
        Producer[] running;
        lock (_gate)
        {
            _disposed = true;
            running = [.. _producers];
        }
        foreach (var producer in running)
        {
            producer.Stop();
        }
    }

    /// <summary>One background thread feeding one enumeration through a bounded queue.</summary>
    sealed class Producer
    {
        readonly BatchLoader<T> _loader;
        readonly int _startEpoch;
        readonly int _startBatch;
        readonly int? _endEpoch;
        readonly BlockingCollection<T> _queue;
        readonly CancellationTokenSource _cancel = new();
        readonly Thread _thread;
        ExceptionDispatchInfo? _failure;
        int _stopped;

        public Producer(BatchLoader<T> loader, int startEpoch, int startBatch, int? endEpoch)
        {
            _loader = loader;
            _startEpoch = startEpoch;
            _startBatch = startBatch;
            _endEpoch = endEpoch;
            _queue = new BlockingCollection<T>(loader.Prefetch);
            _thread = new Thread(Run) { IsBackground = true, Name = "RandSac batch loader" };
        }

        public void Start() => _thread.Start();

        void Run()
        {
            var token = _cancel.Token;
            try
            {
                for (int epoch = _startEpoch; _endEpoch is null || epoch < _endEpoch; epoch++)
                {
                    int[] order = _loader.EpochOrder(epoch);
                    for (int batch = epoch == _startEpoch ? _startBatch : 0; batch < _loader.BatchesPerEpoch; batch++)
                    {
                        token.ThrowIfCancellationRequested();
                        T item = _loader._prepare(_loader.Request(epoch, batch, order));
                        try
                        {
                            _queue.Add(item, token);
                        }
                        catch (OperationCanceledException)
                        {
                            DisposeItem(item);
                            throw;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopped by the consumer; nothing to report.
            }
            catch (Exception exception)
            {
                _failure = ExceptionDispatchInfo.Capture(exception);
            }
            finally
            {
                _queue.CompleteAdding();
            }
        }

        /// <summary>The next batch; false at the end. Rethrows a failure of the background thread.</summary>
        public bool Next(out T item)
        {
            // Items prepared before a failure are still delivered; the failure surfaces where it happened.
            if (_queue.TryTake(out item!, Timeout.Infinite))
            {
                return true;
            }
            _failure?.Throw();
            return false;
        }

        public void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return;
            }
            _cancel.Cancel();
            if (_thread.IsAlive)
            {
                _thread.Join();
            }
            while (_queue.TryTake(out T? left))
            {
                DisposeItem(left);
            }
            // The queue is left to the garbage collector: the consumer may still be inside
            // TryTake when another thread disposes the loader, and it must see "completed" there.
            _cancel.Dispose();
        }

        static void DisposeItem(T? item)
        {
            if (item is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }
}
