using System.Diagnostics;
using RandSac.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Distributed;

/// <summary>
/// Averages the flat gradient buffers over all ranks after backward: a summing Allreduce per
/// buffer (bucketed by the communicator), then a division by the world size. Every rank ends
/// with the same averaged gradient, so every rank takes the same optimiser step.
/// <para>
/// The reduction is not overlapped with backward: it takes a few per cent of a step on one
/// node (see docs/distributed.md), which is all overlapping could win.
/// </para>
/// </summary>
public sealed class GradientAverager(ICommunicator communicator) : IGradientReducer
{
    readonly Stopwatch _clock = new();

    /// <summary>Wall time spent reducing so far.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Gradient elements reduced per step (known after the first).</summary>
    public long ElementsPerStep { get; private set; }

    public void Reduce(IReadOnlyList<FlatParameters> groups)
    {
        _clock.Start();
        try
        {
            using var _ = no_grad();
            using var size = ((double)communicator.Size).ToScalar();
            long elements = 0;
            foreach (var group in groups)
            {
                communicator.SumInPlace(group.Grads);
                group.Grads.div_(size);
                elements += group.Count;
            }
            ElementsPerStep = elements;
        }
        finally
        {
            _clock.Stop();
        }
    }
}
