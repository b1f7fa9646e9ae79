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
