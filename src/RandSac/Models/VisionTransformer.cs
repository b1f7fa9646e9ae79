using RandSac.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// The ViT encoder that pre-training trains and evaluation keeps. Parameter names follow timm's
/// VisionTransformer (<c>patch_embed.proj</c>, <c>blocks.{i}.norm1/attn.qkv/attn.proj/norm2/mlp.fc1/mlp.fc2</c>,
/// <c>norm</c>), so the state dict maps onto timm's (with class_token=False, global_pool='avg').
/// In pre-training the fixed sin-cos table (N, D) is not part of the module state: it is rebuilt
/// from the config and kept out of the state dict (timm stores a (1, N, D) <c>pos_embed</c>; an
/// exporter writes <see cref="PositionEmbedding"/> there). Fine-tuning, as MAE, trains it:
/// <see cref="TrainPositionEmbedding"/> turns it into the parameter <c>pos_embed</c>.
/// Works on patch tokens (B, N, P·P·C) in MAE's layout, any subset, in any order.
/// Initialised like MAE (<see cref="WeightInit"/>) from torch's global generator.
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>
{
    readonly PatchEmbed patch_embed;
    readonly ModuleList<Block> blocks;
    readonly LayerNorm norm;
    readonly PositionTable positions;
    Parameter? pos_embed;

    public VisionTransformer(ViTConfig config) : base(nameof(VisionTransformer))
    {
        Config = config.Validated();
        patch_embed = new PatchEmbed(config.PatchSize, config.Channels, config.Dim);
        blocks = new ModuleList<Block>(Enumerable.Range(0, config.Depth)
            .Select(i => new Block(config.Dim, config.Heads, config.MlpRatio, config.DropPathOf(i))).ToArray());
        norm = LayerNorm(config.Dim, ViTConfig.LayerNormEps);
        var grid = config.Grid;
        positions = new PositionTable(config.Dim, grid.Rows, grid.Cols);
        RegisterComponents();
        WeightInit.InitialiseLikeMae(this);
    }

    public ViTConfig Config { get; }

    /// <summary>The fixed sin-cos position table (N, D) float32, raster order.</summary>
    public Tensor PositionEmbedding => positions.Table;

    /// <summary>timm's name of the trainable position embedding (see <see cref="TrainPositionEmbedding"/>).</summary>
    public const string PositionEmbeddingName = "pos_embed";

    /// <summary>Whether positions come from the trainable <c>pos_embed</c> rather than the fixed table.</summary>
    public bool TrainsPositionEmbedding => pos_embed is not null;

    /// <summary>
    /// For fine-tuning, as MAE (timm's ViT loads the pre-trained sin-cos table into a trainable
    /// <c>pos_embed</c>): registers a trainable (1, N, D) parameter <c>pos_embed</c> initialised
    /// from the fixed table, in the dtype of the weights, and uses it from now on. It takes no
    /// weight decay and is layer 0 for layer decay (timm's <c>no_weight_decay</c>). Pre-training
    /// keeps the fixed table.
    /// </summary>
    public void TrainPositionEmbedding()
    {
        if (pos_embed is not null) return;
        var like = patch_embed.parameters().First();
        using var row = positions.Table.unsqueeze(0);
        pos_embed = new Parameter(row.to(like.dtype, like.device, copy: true), requires_grad: true);
        register_parameter(PositionEmbeddingName, pos_embed);
    }

    /// <summary>Parameters that take no weight decay whatever their shape (timm's <c>no_weight_decay()</c>).</summary>
    public static bool SkipsWeightDecay(string parameterName) =>
        parameterName == PositionEmbeddingName || parameterName.EndsWith("." + PositionEmbeddingName, StringComparison.Ordinal);

    internal PositionTable Positions => positions;

    internal PatchEmbed PatchEmbedding => patch_embed;

    internal IList<Block> Blocks => blocks;

    /// <summary>
    /// Embeds patch tokens and adds their positions: patches (B, N, P·P·C) raster order;
    /// tokens (B, L) int64 raster indices to take, in sequence order, or null for all N.
    /// </summary>
    public Tensor Embed(Tensor patches, Tensor? tokens)
    {
        using var scope = NewDisposeScope();
        Tensor x;
        if (pos_embed is not null)
            x = tokens is null
                ? patch_embed.forward(patches) + pos_embed
                : patch_embed.forward(TokenGather.Rows(patches, tokens)) + TokenGather.FromTable(pos_embed[0], tokens);
        else
            x = tokens is null
                ? patch_embed.forward(patches) + positions.Like(patches)
                : patch_embed.forward(TokenGather.Rows(patches, tokens)) + positions.Gather(tokens, patches);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the encoder over a subset of tokens. mask: boolean self-attention mask (B|1, 1, L, L),
    /// true = may attend, or null for full attention. Returns the final-normed output (B, L, D) and,
    /// with <paramref name="keepBlockOutputs"/>, each block's output H^1..H^L (B, L, D).
    /// </summary>
    public EncoderOutput Forward(Tensor patches, Tensor? tokens = null, Tensor? mask = null, bool keepBlockOutputs = false)
    {
        using var scope = NewDisposeScope();
        var x = Embed(patches, tokens);
        var outputs = keepBlockOutputs ? new List<Tensor>(blocks.Count) : null;
        foreach (var block in blocks)
        {
            x = block.forward(x, mask);
            outputs?.Add(x);
        }
        var output = norm.forward(x).MoveToOuterDisposeScope();
        if (outputs is not null)
            foreach (var h in outputs) h.MoveToOuterDisposeScope();
        return new EncoderOutput(output, outputs);
    }

    /// <summary>The encoder's final LayerNorm.</summary>
    public Tensor Norm(Tensor x) => norm.forward(x);

    /// <summary>
    /// Evaluation features: images (B, C, H, W) → all N tokens, no mask, final norm, mean over
    /// tokens → (B, D).
    /// </summary>
    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        var patches = Patches.Patchify(images, Config.PatchSize);
        return Forward(patches).Output.mean([1L]).MoveToOuterDisposeScope();
    }

    /// <summary>Same as <see cref="Features"/>.</summary>
    public override Tensor forward(Tensor images) => Features(images);

    protected override void Dispose(bool disposing)
    {
        if (disposing) positions.Dispose();
        base.Dispose(disposing);
    }
}
