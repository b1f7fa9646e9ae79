using RandSac.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// Pre-norm segment-decoder block: self-attention among the queries (<c>norm1</c>, <c>attn</c>),
/// cross-attention to the encoder memory (<c>norm2</c>, <c>cross_attn</c>), MLP (<c>norm3</c>, <c>mlp</c>).
/// </summary>
public sealed class DecoderBlock : Module<Tensor, Tensor, Tensor?, Tensor?, Tensor>
{
    readonly LayerNorm norm1;
    readonly SelfAttention attn;
    readonly LayerNorm norm2;
    readonly CrossAttention cross_attn;
    readonly LayerNorm norm3;
    readonly Mlp mlp;

    public DecoderBlock(int dim, int heads, int mlpRatio = 4) : base(nameof(DecoderBlock))
    {
        norm1 = LayerNorm(dim, ViTConfig.LayerNormEps);
        attn = new SelfAttention(dim, heads);
        norm2 = LayerNorm(dim, ViTConfig.LayerNormEps);
        cross_attn = new CrossAttention(dim, heads);
        norm3 = LayerNorm(dim, ViTConfig.LayerNormEps);
        mlp = new Mlp(dim, dim * mlpRatio);
        RegisterComponents();
    }

    /// <summary>
    /// x (B, Lq, D) queries, memory (B, Lm, D); boolean masks (B|1, 1, Lq, Lq) and (B|1, 1, Lq, Lm).
    /// </summary>
    public override Tensor forward(Tensor x, Tensor memory, Tensor? selfMask, Tensor? crossMask)
    {
        using var scope = NewDisposeScope();
        x = x.Plus(attn.forward(norm1.forward(x), selfMask));
        x = x.Plus(cross_attn.forward(norm2.forward(x), memory, crossMask));
        x = x.Plus(mlp.forward(norm3.forward(x)));
        return x.MoveToOuterDisposeScope();
    }
}
