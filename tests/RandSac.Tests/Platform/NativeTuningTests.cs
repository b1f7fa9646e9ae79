using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using RandSac.Platform;
using static TorchSharp.torch;

namespace RandSac.Tests.Platform;

/// <summary>MKL's kernel choice and the allocator settings, as this test process applied them first thing.</summary>
public sealed class NativeTuningTests
{
    [Fact]
    public void OnAnAmdCpuWithAvx512MklsCpuCheckResolvesToOurLibrary()
    {
        var (mkl, _) = NativeTuning.Apply();
        bool expected = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
            && Avx512F.IsSupported && MklKernelDispatch.CpuVendor == "AuthenticAMD" && !TuningIsOff;
        Assert.Equal(expected, MklKernelDispatch.IsEnabled);
        if (!expected) return;

        Assert.StartsWith("AVX-512", mkl);
        using var probe = ones(2, 2).matmul(ones(2, 2)); // LibTorch is loaded and bound from here on.
        IntPtr resolved = dlsym(IntPtr.Zero, "mkl_serv_intel_cpu_true"); // RTLD_DEFAULT: the global scope.
        Assert.True(dladdr(resolved, out var info) != 0);
        Assert.EndsWith(MklKernelDispatch.LibraryName, Marshal.PtrToStringUTF8(info.FileName));
    }

    [Fact]
    public void Fp32MatmulsAgreeWithFloat64WhicheverKernelsRun()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        foreach (var (m, k, n) in new[] { (4096, 192, 768), (300, 200, 100), (64, 60, 60) })
        {
            var a = randn(m, k, generator: generator);
            var b = randn(k, n, generator: generator);
            var exact = a.to(ScalarType.Float64).matmul(b.to(ScalarType.Float64));
            double error = (a.matmul(b).to(ScalarType.Float64) - exact).abs().max().item<double>();
            Assert.True(error < 1e-5 * Math.Sqrt(k) * exact.abs().max().item<double>(), $"{m}x{k}x{n}: max error {error}");
            var linear = nn.functional.linear(a, b.t()).to(ScalarType.Float64);
            Assert.True((linear - exact).abs().max().item<double>() < 1e-5 * Math.Sqrt(k) * exact.abs().max().item<double>());
        }
    }

    [Fact]
    public void TheAllocatorThresholdsAreSetOnGlibc()
    {
        var (_, allocator) = NativeTuning.Apply();
        if (!OperatingSystem.IsLinux() || TuningIsOff) return;
        Assert.StartsWith("heap keeps freed memory", allocator);
    }

    static bool TuningIsOff => string.Equals(Environment.GetEnvironmentVariable(NativeTuning.Variable), "off", StringComparison.OrdinalIgnoreCase);

    struct DlInfo
    {
        public IntPtr FileName, BaseAddress, SymbolName, SymbolAddress;
    }

    [DllImport("libc")]
    static extern IntPtr dlsym(IntPtr handle, string symbol);

    [DllImport("libc")]
    static extern int dladdr(IntPtr address, out DlInfo info);
}
