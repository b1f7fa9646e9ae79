using System.Runtime.InteropServices;
using RandSac.Build;

namespace RandSac.Tests.Build;

/// <summary>The one-function library that lets MKL use its AVX-512 kernels on AMD CPUs.</summary>
public sealed class MklIntelDispatchLibraryTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static bool IsX64Linux => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [Fact]
    public unsafe void TheLibraryLoadsAndItsFunctionReturnsOne()
    {
        if (!IsX64Linux) return;
        string path = _temp.Combine(MklIntelDispatchLibrary.FileName);
        File.WriteAllBytes(path, MklIntelDispatchLibrary.Build());

        IntPtr handle = NativeLibrary.Load(path);
        try
        {
            var function = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, MklIntelDispatchLibrary.Symbol);
            Assert.Equal(1, function());
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [Fact]
    public void IsWrittenBesideEveryLibTorchOnceAndNowhereElse()
    {
        Directory.CreateDirectory(_temp.Combine("a", "native"));
        Directory.CreateDirectory(_temp.Combine("b"));
        File.WriteAllText(_temp.Combine("a", "native", "libtorch_cpu.so"), "");
        File.WriteAllText(_temp.Combine("b", "libsomething.so"), "");

        Assert.Equal([_temp.Combine("a", "native", MklIntelDispatchLibrary.FileName)], MklIntelDispatchLibrary.WriteBesideLibTorch(_temp.Path));
        Assert.Equal(MklIntelDispatchLibrary.Build(), File.ReadAllBytes(_temp.Combine("a", "native", MklIntelDispatchLibrary.FileName)));
        Assert.False(File.Exists(_temp.Combine("b", MklIntelDispatchLibrary.FileName)));
        Assert.Empty(MklIntelDispatchLibrary.WriteBesideLibTorch(_temp.Path));
    }

    [Fact]
    public void TheBuildPutItBesideTheTestsLibTorch()
    {
        if (!IsX64Linux) return;
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        Assert.True(File.Exists(Path.Combine(native, "libtorch_cpu.so")));
        Assert.Equal(MklIntelDispatchLibrary.Build(), File.ReadAllBytes(Path.Combine(native, MklIntelDispatchLibrary.FileName)));
    }
}
