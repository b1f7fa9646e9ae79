using static TorchSharp.torch;

namespace RandSac.Tests.Data;

static class TensorAssert
{
    /// <summary>Same shape, dtype and every element equal.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape))
        {
            return false;
        }
        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }
}
