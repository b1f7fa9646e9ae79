using System.Runtime.InteropServices;

namespace RandSac.Platform;

/// <summary>
/// Keeps freed tensor memory in the process. LibTorch allocates activations with malloc; by
/// default glibc serves large blocks with fresh mappings and hands freed memory back to the
/// kernel, so every training step page-faults and zeroes its activations again (a quarter of
/// an fp32 ViT-T step here). A fixed mmap threshold at glibc's maximum (32 MiB) and a high trim
/// threshold let the heap keep and reuse that memory; the peak stays the same.
/// </summary>
public static class AllocatorTuning
{
    const int MTrimThreshold = -1, MMmapThreshold = -3;
    const int MmapThresholdBytes = 32 << 20;

    /// <summary>Sets the thresholds on glibc; returns what was done, in words.</summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux()) return "default (not Linux)";
        try
        {
            bool ok = mallopt(MMmapThreshold, MmapThresholdBytes) == 1 & mallopt(MTrimThreshold, int.MaxValue) == 1;
            return ok ? "heap keeps freed blocks up to 32 MiB (glibc mmap/trim thresholds)" : "default (the C library refused the thresholds)";
        }
        catch (EntryPointNotFoundException)
        {
            return "default (the C library has no mallopt)";
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int parameter, int value);
}
