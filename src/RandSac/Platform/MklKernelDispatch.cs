using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace RandSac.Platform;

/// <summary>
/// Lets MKL (inside LibTorch) run fp32 matmuls on its AVX-512 kernels on AMD CPUs. MKL picks
/// its kernels by asking <c>mkl_serv_intel_cpu_true</c> whether the CPU is Intel's; on AMD it
/// then uses AVX2 kernels even where the CPU has AVX-512, at about half the speed. The build
/// writes <c>libRandSacMklDispatch.so</c> beside LibTorch, defining that function to return 1;
/// loaded into the global symbol scope before LibTorch, it takes precedence over MKL's own, and
/// MKL chooses its kernels from the CPU's feature flags. Only done on x86-64 Linux, on AMD CPUs
/// with AVX-512, and only before LibTorch is loaded.
/// </summary>
public static class MklKernelDispatch
{
    public const string LibraryName = "libRandSacMklDispatch.so";

    const int RtldNow = 0x2, RtldGlobal = 0x100;
    const string Default = "MKL's default choice", Enabled = "AVX-512 (MKL's Intel kernels on this AMD CPU)";

    /// <summary>Whether this process loaded the library.</summary>
    public static bool IsEnabled { get; private set; }

    /// <summary>Loads the library where it helps; returns what MKL's fp32 kernels will be, in words.</summary>
    public static string Enable()
    {
        if (IsEnabled) return Enabled;
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return $"{Default} (not x86-64 Linux)";
        if (CpuVendor != "AuthenticAMD") return $"{Default} (not an AMD CPU)";
        if (!Avx512F.IsSupported) return $"{Default} (no AVX-512)";
        if (IsLibTorchLoaded()) return $"{Default} (LibTorch was loaded first)";
        string? path = Find();
        if (path is null) return $"{Default} ({LibraryName} is not beside LibTorch)";
        if (dlopen(path, RtldNow | RtldGlobal) == IntPtr.Zero)
            return $"{Default} (loading {path} failed: {Marshal.PtrToStringUTF8(dlerror())})";
        IsEnabled = true;
        return Enabled;
    }

    /// <summary>The CPU's vendor string (CPUID leaf 0), such as AuthenticAMD; empty off x86.</summary>
    public static string CpuVendor { get; } = ReadCpuVendor();

    static string ReadCpuVendor()
    {
        if (!X86Base.IsSupported) return "";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<int> words = [ebx, edx, ecx];
        return System.Text.Encoding.ASCII.GetString(MemoryMarshal.AsBytes(words));
    }

    static bool IsLibTorchLoaded()
    {
        try
        {
            return File.ReadLines("/proc/self/maps").Any(line => line.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Beside LibTorch: the output folder's runtimes/linux-x64/native, or the folder itself.</summary>
    static string? Find() => new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibraryName),
            Path.Combine(AppContext.BaseDirectory, LibraryName),
        }.FirstOrDefault(File.Exists);

    [DllImport("libc", EntryPoint = "dlopen")]
    static extern IntPtr dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "dlerror")]
    static extern IntPtr dlerror();
}
