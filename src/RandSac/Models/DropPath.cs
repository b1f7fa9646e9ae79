using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>
/// Stochastic depth (timm's drop_path): in training, zero a residual branch for whole samples
/// with probability <c>rate</c> and scale the kept ones by 1/(1−rate); identity otherwise.
/// </summary>
public static class DropPath
{
    public static Tensor Apply(Tensor branch, double rate, bool training)
    {
        if (!training || rate <= 0.0) return branch;
        double keepProbability = 1.0 - rate;
        using var keep = keepProbability.ToScalar();
        var shape = new long[branch.dim()];
        Array.Fill(shape, 1L);
        shape[0] = branch.shape[0];
        using var mask = empty(shape, branch.dtype, branch.device).bernoulli_(keepProbability).div_(keep);
        return branch * mask;
    }
}
