using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Cross-entropy against soft targets, and the smoothed one-hot targets it is used with
/// (timm's <c>SoftTargetCrossEntropy</c> and <c>one_hot</c> with label smoothing).
/// </summary>
public static class SoftTargetLoss
{
    /// <summary>mean over the batch of Σ_c −target_c · log_softmax(logits)_c. logits and targets (B, classes).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var loss = (-targets * logits.log_softmax(-1)).sum(-1).mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One-hot targets (B, classes) float32 with label smoothing ε: the true class gets
    /// 1 − ε + ε/classes, every other class ε/classes.
    /// </summary>
    public static Tensor Smoothed(Tensor labels, int classes, double smoothing)
    {
        if (smoothing is < 0 or >= 1) throw new ArgumentException($"label smoothing must be in [0, 1), got {smoothing}");
        using var scope = NewDisposeScope();
        double offValue = smoothing / classes;
        using var off = offValue.ToScalar();
        using var on = (1.0 - smoothing + offValue).ToScalar();
        var targets = full(labels.shape[0], classes, off, ScalarType.Float32)
            .scatter_(1, labels.to(ScalarType.Int64).unsqueeze(1), full(labels.shape[0], 1, on, ScalarType.Float32));
        return targets.MoveToOuterDisposeScope();
    }
}
