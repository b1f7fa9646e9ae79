using RandSac.Plans;

namespace RandSac.Models;

/// <summary>
/// The per-batch inputs a pre-trainer needs besides the images, prepared off the model (e.g. on
/// a loader thread): a segment plan for RandSAC and two-stream, a random mask for MAE.
/// Disposing it disposes what it holds.
/// </summary>
public sealed class PretrainBatchInputs : IDisposable
{
    PretrainBatchInputs(SegmentPlan? plan, MaeMask? maeMask)
    {
        Plan = plan;
        MaeMask = maeMask;
    }

    public static PretrainBatchInputs ForPlan(SegmentPlan plan) => new(plan, null);

    public static PretrainBatchInputs ForMae(MaeMask mask) => new(null, mask);

    public SegmentPlan? Plan { get; }

    public MaeMask? MaeMask { get; }

    public int BatchSize => Plan?.BatchSize ?? MaeMask!.BatchSize;

    /// <summary>
    /// How many target tokens the pixel loss averages over: its weight when batches are combined
    /// (blob plans pad to different lengths, so slices of a batch can hold different counts).
    /// </summary>
    public long LossTerms()
    {
        if (MaeMask is { } mask) return mask.Masked.numel();
        var plan = Plan!;
        if (plan.DecoderValid is not { } valid) return plan.DecoderTokens.numel();
        using var count = valid.sum();
        return count.item<long>();
    }

    internal SegmentPlan RequirePlan(string who) =>
        Plan ?? throw new ArgumentException($"{who} needs a segment plan in its batch inputs");

    internal MaeMask RequireMaeMask(string who) =>
        MaeMask ?? throw new ArgumentException($"{who} needs an MAE mask in its batch inputs");

    public void Dispose()
    {
        Plan?.Dispose();
        MaeMask?.Dispose();
    }
}
