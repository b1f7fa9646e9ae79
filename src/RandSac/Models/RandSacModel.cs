using RandSac.Plans;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// RandSAC: a segment-causal encoder over the plan's encoder tokens (the last
/// segment is never encoded) and a segment decoder whose queries are the fixed sin-cos
/// positions of the target tokens — no pixel content enters the decoder.
/// <para>Names: <c>encoder.*</c> (timm ViT), <c>decoder_embed</c> (only when the decoder width
/// differs), <c>decoder_blocks.{i}.norm1/attn.qkv/attn.proj/norm2/cross_attn.q/cross_attn.kv/cross_attn.proj/norm3/mlp.fc1/mlp.fc2</c>,
/// <c>decoder_norm</c>, <c>decoder_pred</c> (D_dec → P·P·C), <c>skip_weight</c> (L_dec, L_enc)
/// with skip connections. The decoder's sin-cos table is fixed and not part of the state.</para>
/// <para>Memory: with skip connections decoder layer j reads Z_j = norm(Σ_k W[j,k] H^k) over the
/// encoder block outputs H^1..H^L, norm being the encoder's final LayerNorm; all layers' mixes
/// are one matmul over the stacked outputs and one LayerNorm. W starts one-hot on H^L, i.e. as the
/// plain decoder. Without skip, every layer reads norm(H^L).</para>
/// </summary>
public sealed class RandSacModel : Pretrainer
{
    readonly VisionTransformer encoder;
    readonly Linear? decoder_embed;
    readonly ModuleList<DecoderBlock> decoder_blocks;
    readonly LayerNorm decoder_norm;
    readonly Linear decoder_pred;
    readonly Parameter? skip_weight;
    readonly PositionTable decoderPositions;

    public RandSacModel(ViTConfig encoderConfig, DecoderConfig? decoderConfig = null, bool skip = true)
        : base(nameof(RandSacModel))
    {
        encoder = new VisionTransformer(encoderConfig);
        var (depth, dim, heads) = (decoderConfig ?? new DecoderConfig()).Resolve(encoderConfig);
        DecoderDepth = depth;
        DecoderDim = dim;
        Skip = skip;
        decoder_embed = dim == encoderConfig.Dim ? null : Linear(encoderConfig.Dim, dim);
        int mlpRatio = (decoderConfig ?? new DecoderConfig()).MlpRatio;
        decoder_blocks = new ModuleList<DecoderBlock>(Enumerable.Range(0, depth)
            .Select(_ => new DecoderBlock(dim, heads, mlpRatio)).ToArray());
        decoder_norm = LayerNorm(dim, ViTConfig.LayerNormEps);
        decoder_pred = Linear(dim, encoderConfig.PatchDim);
        var grid = encoderConfig.Grid;
        decoderPositions = new PositionTable(dim, grid.Rows, grid.Cols);
        if (skip)
        {
            var oneHot = zeros(depth, encoderConfig.Depth);
            oneHot[.., encoderConfig.Depth - 1] = 1.0f;
            skip_weight = new Parameter(oneHot);
        }
        RegisterComponents();
        WeightInit.InitialiseLikeMae(this, skip: encoder); // the encoder initialised itself
    }

    public override PretrainMethod Method => PretrainMethod.RandSac;

    public override VisionTransformer Encoder => encoder;

    public int DecoderDepth { get; }
    public int DecoderDim { get; }
    public bool Skip { get; }

    /// <summary>The skip mixing weights W (L_dec, L_enc), or null without skip connections.</summary>
    public Parameter? SkipWeight => skip_weight;

    /// <summary>
    /// images (B, C, H, W) → patches (B, N, P·P·C) → <see cref="ForwardEncoder"/> → <see cref="ForwardDecoder"/>
    /// → <see cref="Pretrainer.ForwardLoss"/> on the plan's decoder tokens.
    /// </summary>
    public override PretrainOutput Forward(Tensor images, PretrainBatchInputs inputs, bool normPixLoss)
    {
        var plan = inputs.RequirePlan("RandSAC");
        RequireGrid(plan);
        using var scope = NewDisposeScope();
        var patches = PatchesOf(images);
        var encoded = ForwardEncoder(ForCompute(patches), plan);
        var prediction = ForwardDecoder(encoded, plan);
        return ForwardLoss(patches, prediction, plan.DecoderTokens, plan.DecoderValid, normPixLoss).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The segment-causal encoder over the plan's encoder tokens: patches (B, N, P·P·C) → (B, Le, D)
    /// under the encoder mask, with every block's output when the decoder reads skip connections.
    /// </summary>
    public EncoderOutput ForwardEncoder(Tensor patches, SegmentPlan plan) =>
        encoder.Forward(patches, plan.EncoderTokens, plan.EncoderMask, keepBlockOutputs: Skip);

    /// <summary>
    /// The segment decoder: queries are the sin-cos positions of the plan's decoder tokens
    /// (B, Ld, D_dec), each layer attends to itself under the decoder self mask and to its memory
    /// under the cross mask; returns predictions (B, Ld, P·P·C).
    /// </summary>
    public Tensor ForwardDecoder(EncoderOutput encoded, SegmentPlan plan)
    {
        using var scope = NewDisposeScope();
        var memory = Memory(encoded);
        var x = decoderPositions.Gather(plan.DecoderTokens, memory);
        for (int j = 0; j < decoder_blocks.Count; j++)
            x = decoder_blocks[j].forward(x, Skip ? memory[j] : memory[0], plan.DecoderSelfMask, plan.CrossMask);
        return decoder_pred.forward(decoder_norm.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The decoder memories stacked as (L_dec, B, Le, D_dec) with skip connections, else (1, B, Le, D_dec).
    /// </summary>
    internal Tensor Memory(EncoderOutput encoded)
    {
        Tensor memory;
        if (Skip)
        {
            var stacked = stack(encoded.BlockOutputs!, 0); // (L, B, Le, D)
            long layers = stacked.shape[0];
            var mixed = skip_weight!.matmul(stacked.view(layers, -1)); // (L_dec, B·Le·D)
            memory = encoder.Norm(mixed.view(DecoderDepth, stacked.shape[1], stacked.shape[2], stacked.shape[3]));
        }
        else
        {
            memory = encoded.Output.unsqueeze(0);
        }
        return decoder_embed is null ? memory : decoder_embed.forward(memory);
    }

    /// <summary>No weight decay on the skip weights (as in the reference), besides 1-D parameters.</summary>
    public override bool UsesWeightDecay(string parameterName, Tensor parameter) =>
        base.UsesWeightDecay(parameterName, parameter) && parameterName != nameof(skip_weight);

    protected override void Dispose(bool disposing)
    {
        if (disposing) decoderPositions.Dispose();
        base.Dispose(disposing);
    }
}
