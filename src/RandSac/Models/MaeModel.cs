using RandSac.Platform;
using RandSac.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// The MAE baseline: the encoder sees only the visible tokens (no compute on hidden ones);
/// <c>decoder_embed</c> maps them to the decoder width, <c>mask_token</c> fills the hidden
/// places, the fixed sin-cos decoder positions (not part of the state) are added, then
/// <c>decoder_blocks</c> (plain self-attention ViT blocks), <c>decoder_norm</c> and
/// <c>decoder_pred</c>. The loss covers masked tokens only.
/// </summary>
public sealed class MaeModel : Pretrainer
{
    readonly VisionTransformer encoder;
    readonly Linear decoder_embed;
    readonly Parameter mask_token;
    readonly ModuleList<Block> decoder_blocks;
    readonly LayerNorm decoder_norm;
    readonly Linear decoder_pred;
    readonly PositionTable decoderPositions;

    public MaeModel(ViTConfig encoderConfig, DecoderConfig? decoderConfig = null) : base(nameof(MaeModel))
    {
        encoder = new VisionTransformer(encoderConfig);
        var config = decoderConfig ?? new DecoderConfig();
        var (depth, dim, heads) = config.Resolve(encoderConfig);
        DecoderDim = dim;
        decoder_embed = Linear(encoderConfig.Dim, dim);
        mask_token = new Parameter(zeros(1, 1, dim));
        decoder_blocks = new ModuleList<Block>(Enumerable.Range(0, depth)
            .Select(_ => new Block(dim, heads, config.MlpRatio)).ToArray());
        decoder_norm = LayerNorm(dim, ViTConfig.LayerNormEps);
        decoder_pred = Linear(dim, encoderConfig.PatchDim);
        var grid = encoderConfig.Grid;
        decoderPositions = new PositionTable(dim, grid.Rows, grid.Cols);
        RegisterComponents();
        WeightInit.InitialiseLikeMae(this, skip: encoder); // the encoder initialised itself
        using (no_grad()) init.normal_(mask_token, std: 0.02);
    }

    public override PretrainMethod Method => PretrainMethod.Mae;

    public override VisionTransformer Encoder => encoder;

    public int DecoderDim { get; }

    /// <summary>
    /// images (B, C, H, W) → patches (B, N, P·P·C) → <see cref="ForwardEncoder"/> → <see cref="ForwardDecoder"/>
    /// → <see cref="Pretrainer.ForwardLoss"/> on the masked tokens.
    /// </summary>
    public override PretrainOutput Forward(Tensor images, PretrainBatchInputs inputs, bool normPixLoss)
    {
        var mask = inputs.RequireMaeMask("MAE");
        if (mask.Restore.shape[1] != encoder.Config.TokenCount)
            throw new ArgumentException($"the MAE mask is for {mask.Restore.shape[1]} tokens, the encoder has {encoder.Config.TokenCount}");
        using var scope = NewDisposeScope();
        var patches = PatchesOf(images);
        var latent = ForwardEncoder(ForCompute(patches), mask);
        var all = ForwardDecoder(latent, mask);
        return ForwardLoss(patches, TokenGather.Rows(all, mask.Masked), mask.Masked, null, normPixLoss).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder on the visible tokens only: patches (B, N, P·P·C) → (B, K, D).</summary>
    public Tensor ForwardEncoder(Tensor patches, MaeMask mask) => encoder.Forward(patches, mask.Visible).Output;

    /// <summary>
    /// The decoder: the visible tokens (B, K, D) mapped to the decoder width, <c>mask_token</c> in the
    /// N − K hidden places, raster order restored, positions added; predictions for every token (B, N, P·P·C).
    /// </summary>
    public Tensor ForwardDecoder(Tensor latent, MaeMask mask)
    {
        using var scope = NewDisposeScope();
        var visible = decoder_embed.forward(latent); // (B, K, Dd)
        long batch = visible.shape[0], hidden = mask.Masked.shape[1];
        var x = cat([visible, mask_token.expand(batch, hidden, DecoderDim)], 1);
        x = TokenGather.Rows(x, mask.Restore).Plus(decoderPositions.Like(x));
        foreach (var block in decoder_blocks) x = block.forward(x, null);
        return decoder_pred.forward(decoder_norm.forward(x)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) decoderPositions.Dispose();
        base.Dispose(disposing);
    }
}
