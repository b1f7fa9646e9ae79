using static TorchSharp.torch;

namespace RandSac.Tests;

/// <summary>Whole-tensor comparisons (TorchSharp's Tensor.equal is element-wise).</summary>
public static class TensorAssert
{
    public static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
}
