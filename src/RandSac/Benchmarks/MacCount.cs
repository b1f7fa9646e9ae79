using RandSac.Models;

namespace RandSac.Benchmarks;

/// <summary>
/// Multiply-accumulates of one image's forward pass, counted analytically over the matrix
/// products (linear layers and the two attention products; masked attention still computes its
/// full score matrix, so it is counted in full). Element-wise work is not counted. A training
/// step costs about 3× the forward (backward ≈ 2× forward); FLOPs are 2× MACs.
/// </summary>
/// <param name="Encoder">Patch embedding and encoder blocks.</param>
/// <param name="Skip">RandSAC's skip mixing of the encoder block outputs (0 without skip).</param>
/// <param name="Decoder">Decoder embedding, blocks and pixel head (two-stream: the query stream and head).</param>
public sealed record MacCount(double Encoder, double Skip, double Decoder)
{
    public double Total => Encoder + Skip + Decoder;

    /// <summary>Floating-point operations of one training step per image (3 × 2 × forward MACs).</summary>
    public double TrainFlops => 6 * Total;

    /// <param name="encoderTokens">Tokens the encoder runs on (padded length for ragged plans; MAE: the visible ones).</param>
    /// <param name="decoderTokens">Decoder queries (RandSAC and two-stream: the targets; MAE: all N tokens).</param>
    public static MacCount For(PretrainOptions options, double encoderTokens, double decoderTokens)
    {
        var e = options.TrainedEncoder;
        double le = encoderTokens, ld = decoderTokens, d = e.Dim, hidden = e.Dim * e.MlpRatio;
        double embed = le * e.PatchDim * d;
        switch (options.Method)
        {
            case PretrainMethod.RandSac:
            {
                var (depth, dd, _) = (options.Decoder ?? new DecoderConfig()).Resolve(e);
                double decoderHidden = dd * (options.Decoder ?? new DecoderConfig()).MlpRatio;
                double encoder = embed + e.Depth * Block(le, d, hidden);
                double skip = options.Skip ? depth * e.Depth * le * d : 0;
                double memories = options.Skip ? depth : 1;
                double decoderEmbed = dd == d ? 0 : memories * le * d * dd;
                double decoder = decoderEmbed + depth * DecoderBlock(ld, le, dd, decoderHidden) + ld * dd * e.PatchDim;
                return new MacCount(encoder, skip, decoder);
            }
            case PretrainMethod.Mae:
            {
                var config = options.Decoder ?? new DecoderConfig();
                var (depth, dd, _) = config.Resolve(e);
                double encoder = embed + e.Depth * Block(le, d, hidden);
                double decoder = le * d * dd + depth * Block(ld, dd, dd * config.MlpRatio) + ld * dd * e.PatchDim;
                return new MacCount(encoder, 0, decoder);
            }
            case PretrainMethod.TwoStream:
            {
                // Content stream: full blocks, except the last block's content update (attention
                // output, projection and MLP), which is never read; its keys and values are.
                double content = embed + e.Depth * Block(le, d, hidden) - (2 * le * le * d + le * d * d + 2 * le * d * hidden);
                // Query stream: query projection, attention over the content keys/values, projection, MLP.
                double query = e.Depth * (ld * d * d + 2 * ld * le * d + ld * d * d + 2 * ld * d * hidden) + ld * d * e.PatchDim;
                return new MacCount(content, 0, query);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(options));
        }
    }

    /// <summary>A pre-norm self-attention block on L tokens: qkv, QKᵀ, AV, projection, MLP.</summary>
    static double Block(double l, double d, double hidden) => l * d * 3 * d + 2 * l * l * d + l * d * d + 2 * l * d * hidden;

    /// <summary>A segment-decoder block: self-attention among Lq queries, cross-attention to Lm memory tokens, MLP.</summary>
    static double DecoderBlock(double lq, double lm, double d, double hidden) =>
        lq * d * 3 * d + 2 * lq * lq * d + lq * d * d                      // self-attention
        + lq * d * d + lm * d * 2 * d + 2 * lq * lm * d + lq * d * d       // cross-attention
        + 2 * lq * d * hidden;                                             // MLP
}
