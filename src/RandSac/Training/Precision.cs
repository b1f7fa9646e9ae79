using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// Compute precision of a training step. <see cref="Bf16"/> is mixed precision: forward and
/// backward run on a bfloat16 working copy of the weights, while the master weights, their
/// gradients, the optimiser's moments and the loss stay float32.
/// </summary>
public enum Precision
{
    Fp32,
    Bf16,
}

public static class Precisions
{
    public const string Help = "fp32 | bf16";

    public static Precision Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "bf16" or "bfloat16" => Precision.Bf16,
        _ => throw new FormatException($"unknown precision '{name}' (expected {Help})"),
    };

    public static string Name(this Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Bf16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    /// <summary>The dtype forward and backward run in.</summary>
    public static ScalarType ComputeType(this Precision precision) => precision switch
    {
        Precision.Fp32 => ScalarType.Float32,
        Precision.Bf16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };
}
