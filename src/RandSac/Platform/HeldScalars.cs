using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Platform;

/// <summary>
/// Scalars that live as long as the process, and the additions that use them. A TorchSharp
/// Scalar made on the fly (an implicit number → Scalar conversion, a Tensor-and-number operator,
/// or the alpha of 1 that `Tensor + Tensor` and one-argument `add` make inside) is unreachable
/// once its handle is read, so the GC may finalise it while LibTorch still reads it: a 16-epoch
/// pre-training died in `x + y` at step 2,015. Code holds a varying scalar in a `using var`
/// local until the call returns, and a constant here.
/// Platform/ScalarTemporariesTests scans the sources for temporaries.
/// </summary>
public static class HeldScalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/> (TorchSharp's <c>+</c> makes its alpha of 1 on the fly).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>In-place <paramref name="a"/> += <paramref name="b"/>.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);
}
