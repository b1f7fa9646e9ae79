using RandSac.Data;
using RandSac.Training;

namespace RandSac.Distributed;

/// <summary>
/// A cheap fingerprint of the weights for comparing replicas across ranks: the sum of the raw
/// bits of every float32 value as 32-bit integers, in 64-bit integer arithmetic. Integer sums do
/// not depend on summation order or thread count, so identical weights always give identical
/// checksums, and a single flipped bit changes it.
/// </summary>
public static class ParameterChecksum
{
    public static long Of(IEnumerable<FlatParameters> groups)
    {
        long sum = 0;
        foreach (var group in groups)
        {
            var values = TensorMemory.Floats(group.Values);
            foreach (int bits in System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(values))
                sum += bits;
        }
        return sum;
    }
}
