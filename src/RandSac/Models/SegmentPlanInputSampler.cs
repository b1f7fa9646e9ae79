using RandSac.Plans;

namespace RandSac.Models;

/// <summary>Batch inputs for RandSAC and two-stream: a segment plan from a <see cref="PlanSampler"/>.</summary>
public sealed class SegmentPlanInputSampler(PlanSampler sampler) : IBatchInputSampler
{
    public PlanSampler Sampler { get; } = sampler;

    public PretrainBatchInputs Sample(int count, int seed, int firstPosition = 0) =>
        PretrainBatchInputs.ForPlan(Sampler.SampleBatch(count, seed, firstPosition));
}
