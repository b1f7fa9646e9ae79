using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// Multi-head attention of queries over a memory: <c>q</c> projects the queries, <c>kv</c> the
/// memory into keys and values, <c>proj</c> the merged heads. Boolean mask (B|1, 1, Lq, Lm).
/// </summary>
public sealed class CrossAttention : Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly Linear q;
    readonly Linear kv;
    readonly Linear proj;

    public CrossAttention(int dim, int heads) : base(nameof(CrossAttention))
    {
        if (dim % heads != 0) throw new ArgumentException($"width {dim} is not divisible by {heads} heads");
        Dim = dim;
        Heads = heads;
        q = Linear(dim, dim);
        kv = Linear(dim, 2 * dim);
        proj = Linear(dim, dim);
        RegisterComponents();
    }

    public int Dim { get; }
    public int Heads { get; }

    /// <summary>x (B, Lq, D), memory (B, Lm, D) → (B, Lq, D).</summary>
    public override Tensor forward(Tensor x, Tensor memory, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], queries = x.shape[1], keys = memory.shape[1];
        int headDim = Dim / Heads;
        var query = q.forward(x).view(batch, queries, Heads, headDim).transpose(1, 2);
        var keyValue = kv.forward(memory).view(batch, keys, 2, Heads, headDim).permute(2, 0, 3, 1, 4).unbind(0);
        var heads = Attention.Apply(query, keyValue[0], keyValue[1], mask);
        return proj.forward(heads.transpose(1, 2).reshape(batch, queries, Dim)).MoveToOuterDisposeScope();
    }
}
