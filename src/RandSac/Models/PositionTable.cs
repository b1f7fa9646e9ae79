using RandSac.Tokens;
using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>
/// A fixed 2-D sin-cos position table (N, D), held outside the module's registered state: it
/// is neither a parameter nor in the state dict (it is rebuilt from the config), and it follows
/// the dtype and device of whatever it is added to. (TorchSharp 0.107 neither lists nor converts
/// non-persistent buffers, so a buffer would not follow <c>module.to(float64)</c>.)
/// </summary>
public sealed class PositionTable : IDisposable
{
    readonly Tensor table;
    Tensor? converted;

    public PositionTable(int dim, int rows, int cols)
    {
        table = SinCosPositions.Create(dim, rows, cols);
    }

    /// <summary>The table in float32 on the CPU.</summary>
    public Tensor Table => table;

    /// <summary>The table in the dtype and on the device of <paramref name="like"/>; owned by this object.</summary>
    public Tensor Like(Tensor like)
    {
        if (like.dtype == table.dtype && like.device == table.device) return table;
        if (converted is null || converted.dtype != like.dtype || converted.device != like.device)
        {
            converted?.Dispose();
            converted = table.to(like.dtype, like.device).DetachFromDisposeScope();
        }
        return converted;
    }

    /// <summary>Rows of the table for token indices (B, M) → (B, M, D), in the dtype of <paramref name="like"/>.</summary>
    public Tensor Gather(Tensor indices, Tensor like) => TokenGather.FromTable(Like(like), indices);

    public void Dispose()
    {
        table.Dispose();
        converted?.Dispose();
    }
}
