using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// Scaled dot-product attention with an optional boolean mask (true = may attend), for q
/// (B, H, Lq, d) over k, v (B, H, Lk, d). float32 and float64, and long bfloat16 sequences, go to
/// LibTorch's <c>scaled_dot_product_attention</c>. Short bfloat16 sequences are computed as
/// softmax(q·kᵀ/√d) v from batched matmuls: up to about 128 × 128 scores LibTorch 2.10's CPU
/// flash-attention kernel takes up to twice as long for bfloat16 forward + backward as the plain
/// composition, beyond that it is faster and stores no score matrix (docs/performance.md).
/// </summary>
public static class Attention
{
    /// <summary>Largest Lq·Lk computed as the composition in bfloat16.</summary>
    public const long CompositionMaxScores = 128 * 128;

    public static Tensor Apply(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        if (q.dtype != ScalarType.BFloat16 || q.shape[^2] * k.shape[^2] > CompositionMaxScores)
            return functional.scaled_dot_product_attention(q, k, v, mask);
        using var scope = NewDisposeScope();
        // Scalars held in locals until the end: an implicit double → Scalar temporary can be
        // finalised by the GC while the native call still reads it.
        using var scale = (1.0 / Math.Sqrt(q.shape[^1])).ToScalar();
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var scores = q.matmul(k.transpose(-2, -1)).mul_(scale);
        if (mask is not null) scores = scores.masked_fill(mask.logical_not(), minusInfinity);
        return scores.softmax(-1).matmul(v).MoveToOuterDisposeScope();
    }
}
