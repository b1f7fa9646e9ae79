using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>Gathers rows of token tensors by per-image token indices.</summary>
public static class TokenGather
{
    /// <summary>x (B, N, F), indices (B, M) int64 → (B, M, F) with out[b, m] = x[b, indices[b, m]].</summary>
    public static Tensor Rows(Tensor x, Tensor indices)
    {
        using var scope = NewDisposeScope();
        var index = indices.unsqueeze(-1).expand(-1, -1, x.shape[2]);
        return x.gather(1, index).MoveToOuterDisposeScope();
    }

    /// <summary>A shared table (N, F), indices (B, M) int64 → (B, M, F).</summary>
    public static Tensor FromTable(Tensor table, Tensor indices)
    {
        using var scope = NewDisposeScope();
        return table.index_select(0, indices.reshape(-1))
            .view(indices.shape[0], indices.shape[1], table.shape[1])
            .MoveToOuterDisposeScope();
    }
}
