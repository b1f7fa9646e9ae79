// Torch's generator and thread count are process-wide: tests that seed a model or time a
// step must not interleave with others.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

/// <summary>The tests run with the native tuning the CLI applies, so they check MKL's kernels as users get them.</summary>
static class NativeTuningForTests
{
#pragma warning disable CA2255 // Must run before any test touches TorchSharp; a test project has no Main.
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply() => RandSac.Platform.NativeTuning.Apply();
}
