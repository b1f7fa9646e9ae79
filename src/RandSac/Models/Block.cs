using RandSac.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// Pre-norm ViT block with timm's names: x + attn(norm1(x)), then + mlp(norm2(x)); each residual
/// branch under stochastic depth.
/// </summary>
public sealed class Block : Module<Tensor, Tensor?, Tensor>
{
    readonly LayerNorm norm1;
    readonly SelfAttention attn;
    readonly LayerNorm norm2;
    readonly Mlp mlp;

    public Block(int dim, int heads, int mlpRatio = 4, double dropPath = 0.0) : base(nameof(Block))
    {
        norm1 = LayerNorm(dim, ViTConfig.LayerNormEps);
        attn = new SelfAttention(dim, heads);
        norm2 = LayerNorm(dim, ViTConfig.LayerNormEps);
        mlp = new Mlp(dim, dim * mlpRatio);
        DropPathRate = dropPath;
        RegisterComponents();
    }

    public double DropPathRate { get; }

    /// <summary>x (B, L, D) with an optional boolean self-attention mask (B|1, 1, L, L).</summary>
    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        x = x.Plus(DropPath.Apply(attn.forward(norm1.forward(x), mask), DropPathRate, training));
        x = x.Plus(DropPath.Apply(mlp.forward(norm2.forward(x)), DropPathRate, training));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One layer of XLNet's two-stream attention with this block's weights. The content stream
    /// h attends to itself under <paramref name="contentMask"/>; the query stream g attends only
    /// to the content stream's keys and values (computed from h, this layer's input) under
    /// <paramref name="queryMask"/>. Without <paramref name="updateContent"/> the content stream's
    /// own update is skipped (the last layer's content output is never read) and null is returned for it.
    /// </summary>
    internal (Tensor? Content, Tensor Query) ForwardTwoStream(Tensor h, Tensor g, Tensor? contentMask, Tensor? queryMask,
        bool updateContent)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = attn.QueryKeyValue(norm1.forward(h));
        var gq = attn.QueryOnly(norm1.forward(g));
        g = g.Plus(DropPath.Apply(attn.Attend(gq, k, v, queryMask), DropPathRate, training));
        g = g.Plus(DropPath.Apply(mlp.forward(norm2.forward(g)), DropPathRate, training));
        Tensor? content = null;
        if (updateContent)
        {
            content = h.Plus(DropPath.Apply(attn.Attend(q, k, v, contentMask), DropPathRate, training));
            content = content.Plus(DropPath.Apply(mlp.forward(norm2.forward(content)), DropPathRate, training));
            content.MoveToOuterDisposeScope();
        }
        return (content, g.MoveToOuterDisposeScope());
    }
}
