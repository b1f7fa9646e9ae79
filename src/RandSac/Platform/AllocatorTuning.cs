using System.Runtime.InteropServices;

namespace RandSac.Platform;

/// <summary>
/// Keeps freed tensor memory in the process. LibTorch allocates activations with malloc; by
/// default glibc serves large blocks with fresh mappings that it unmaps on free, and hands the
/// top of the heap back to the kernel, so every training step page-faults and zeroes its
/// activations again (a quarter of an fp32 ViT-T step here, half of one at 1024 tokens).
/// With mmap off and trimming off (both documented in mallopt(3)) the heap keeps that memory for
/// the next step. The peak stays the same; the process holds on to it until it exits.
/// </summary>
public static class AllocatorTuning
{
    const int MTrimThreshold = -1, MMmapMax = -4;

    /// <summary>Sets both on glibc; returns what was done, in words.</summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux()) return "default (not Linux)";
        try
        {
            bool ok = mallopt(MMmapMax, 0) == 1 & mallopt(MTrimThreshold, -1) == 1;
            return ok ? "heap keeps freed memory (glibc: no mmap, no trim)" : "default (the C library refused the settings)";
        }
        catch (EntryPointNotFoundException)
        {
            return "default (the C library has no mallopt)";
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int parameter, int value);
}
