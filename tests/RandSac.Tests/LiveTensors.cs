using System.Runtime;
using static TorchSharp.torch;

namespace RandSac.Tests;

/// <summary>
/// Counts the tensors an action leaves alive. The garbage collector is held off while it runs,
/// so a tensor it leaks cannot be finalised before it is counted.
/// </summary>
public static class LiveTensors
{
    const long ManagedBudget = 200L << 20;

    public static long LeftBy(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Tensor.TotalCount;
        Assert.True(GC.TryStartNoGCRegion(ManagedBudget), "could not hold the garbage collector off");
        try
        {
            action();
            long after = Tensor.TotalCount;
            Assert.True(GCSettings.LatencyMode == GCLatencyMode.NoGCRegion,
                $"the action allocated more than {ManagedBudget >> 20} MiB of managed memory, so the collector ran and may have hidden a leak");
            return after - before;
        }
        finally
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }
}
