namespace RandSac.Models;

/// <summary>The pre-training methods: RandSAC, its two-stream (XLNet) baseline, and MAE.</summary>
public enum PretrainMethod
{
    RandSac,
    TwoStream,
    Mae,
}

public static class PretrainMethods
{
    public const string Help = "randsac | two-stream | mae";

    public static PretrainMethod Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "randsac" => PretrainMethod.RandSac,
        "two-stream" or "twostream" => PretrainMethod.TwoStream,
        "mae" => PretrainMethod.Mae,
        _ => throw new FormatException($"unknown pre-training method '{name}' (expected {Help})"),
    };

    public static string Name(this PretrainMethod method) => method switch
    {
        PretrainMethod.RandSac => "randsac",
        PretrainMethod.TwoStream => "two-stream",
        PretrainMethod.Mae => "mae",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>RandSAC and two-stream read a segment plan; MAE reads a random mask.</summary>
    public static bool UsesSegmentPlan(this PretrainMethod method) => method != PretrainMethod.Mae;
}
