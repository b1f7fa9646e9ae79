namespace RandSac.Platform;

/// <summary>
/// Process-wide settings that make LibTorch faster on this kind of machine: MKL's kernel choice
/// (<see cref="MklKernelDispatch"/>) and glibc keeping freed memory (<see cref="AllocatorTuning"/>). Call <see cref="Apply"/> first thing in a process, before
/// anything touches TorchSharp; setting the environment variable RANDSAC_NATIVE_TUNING=off
/// leaves both at their defaults (to measure what they bring).
/// </summary>
public static class NativeTuning
{
    public const string Variable = "RANDSAC_NATIVE_TUNING";

    static readonly Lock Gate = new();
    static (string Mkl, string Allocator)? _applied;

    /// <summary>Applies both once; later calls return what the first did.</summary>
    public static (string Mkl, string Allocator) Apply()
    {
        lock (Gate)
        {
            if (_applied is { } done) return done;
            _applied = string.Equals(Environment.GetEnvironmentVariable(Variable), "off", StringComparison.OrdinalIgnoreCase)
                ? ($"MKL's default choice ({Variable}=off)", $"default ({Variable}=off)")
                : (MklKernelDispatch.Enable(), AllocatorTuning.Apply());
            return _applied.Value;
        }
    }
}
