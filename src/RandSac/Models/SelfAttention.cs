using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// Multi-head self-attention with timm's names (<c>qkv</c>, <c>proj</c>) over
/// scaled_dot_product_attention with an optional boolean mask (B|1, 1, Lq, Lk), true = may attend.
/// </summary>
public sealed class SelfAttention : Module<Tensor, Tensor?, Tensor>
{
    readonly Linear qkv;
    readonly Linear proj;

    public SelfAttention(int dim, int heads) : base(nameof(SelfAttention))
    {
        if (dim % heads != 0) throw new ArgumentException($"width {dim} is not divisible by {heads} heads");
        Dim = dim;
        Heads = heads;
        qkv = Linear(dim, 3 * dim);
        proj = Linear(dim, dim);
        RegisterComponents();
    }

    public int Dim { get; }
    public int Heads { get; }

    /// <summary>x (B, L, D) → (B, L, D).</summary>
    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = QueryKeyValue(x);
        return Attend(q, k, v, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Queries, keys and values of x, each (B, heads, L, D/heads).</summary>
    internal (Tensor Query, Tensor Key, Tensor Value) QueryKeyValue(Tensor x)
    {
        long batch = x.shape[0], length = x.shape[1];
        var parts = qkv.forward(x).view(batch, length, 3, Heads, Dim / Heads).permute(2, 0, 3, 1, 4).unbind(0);
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>Queries only, with the query rows of the same qkv weights, (B, heads, L, D/heads).</summary>
    internal Tensor QueryOnly(Tensor x)
    {
        long batch = x.shape[0], length = x.shape[1];
        var q = functional.linear(x, qkv.weight!.narrow(0, 0, Dim), qkv.bias!.narrow(0, 0, Dim));
        return q.view(batch, length, Heads, Dim / Heads).transpose(1, 2);
    }

    /// <summary>Attention of q over (k, v), heads merged and projected: (B, Lq, D).</summary>
    internal Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        var heads = Attention.Apply(q, k, v, mask);
        long batch = q.shape[0], length = q.shape[2];
        return proj.forward(heads.transpose(1, 2).reshape(batch, length, Dim));
    }
}
