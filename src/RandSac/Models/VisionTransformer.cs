using RandSac.Platform;
using RandSac.Tokens;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// The ViT encoder that pre-training trains and evaluation keeps. Parameter names follow timm's
/// VisionTransformer (<c>patch_embed.proj</c>, <c>blocks.{i}.norm1/attn.qkv/attn.proj/norm2/mlp.fc1/mlp.fc2</c>,
/// <c>norm</c>), so the state dict maps onto timm's (RandSAC's encoder: class_token=False,
/// global_pool='avg', fc_norm=False). In pre-training the fixed sin-cos table (N, D) is not part
/// of the module state: it is rebuilt from the config and kept out of the state dict (timm stores
/// a (1, N, D) <c>pos_embed</c>; an exporter writes <see cref="TimmPositionEmbedding"/> there).
/// Fine-tuning, as MAE, trains it: <see cref="TrainPositionEmbedding"/> turns it into the
/// parameter <c>pos_embed</c>. Imported encoders may have timm's <c>cls_token</c> (1, 1, D) and a
/// learned <c>pos_embed</c> (1, [1+]N, D) from the start (<see cref="ViTConfig.ClassToken"/>,
/// <see cref="Models.PositionEmbedding.Learned"/>).
/// Works on patch tokens (B, N, P·P·C) in MAE's layout, any subset, in any order.
/// Initialised like MAE (<see cref="WeightInit"/>) from torch's global generator.
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>
{
    readonly PatchEmbed patch_embed;
    readonly ModuleList<Block> blocks;
    readonly LayerNorm norm;
    readonly PositionTable positions;
    readonly Parameter? cls_token;
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
        if (config.ClassToken) cls_token = new Parameter(zeros(1, 1, config.Dim));
        if (config.Positions == Models.PositionEmbedding.Learned) pos_embed = new Parameter(InitialPositions(ScalarType.Float32, CPU));
        RegisterComponents();
        WeightInit.InitialiseLikeMae(this);
        if (cls_token is not null)
            using (no_grad()) init.normal_(cls_token, std: 0.02);
    }

    public ViTConfig Config { get; }

    /// <summary>The fixed sin-cos position table (N, D) float32, raster order.</summary>
    public Tensor PositionEmbedding => positions.Table;

    /// <summary>timm's name of the trainable position embedding (see <see cref="TrainPositionEmbedding"/>).</summary>
    public const string PositionEmbeddingName = "pos_embed";

    /// <summary>timm's name of the class token.</summary>
    public const string ClassTokenName = "cls_token";

    /// <summary>Whether positions come from the trainable <c>pos_embed</c> rather than the fixed table.</summary>
    public bool TrainsPositionEmbedding => pos_embed is not null;

    /// <summary>The class token (1, 1, D), or null.</summary>
    public Tensor? ClassToken => cls_token;

    /// <summary>
    /// For fine-tuning, as MAE (timm's ViT loads the pre-trained sin-cos table into a trainable
    /// <c>pos_embed</c>): registers a trainable (1, [1+]N, D) parameter <c>pos_embed</c> initialised
    /// from the fixed table (MAE's zero row for a class token), in the dtype of the weights, and
    /// uses it from now on. It takes no weight decay and is layer 0 for layer decay (timm's
    /// <c>no_weight_decay</c>). Pre-training keeps the fixed table; an encoder with a learned
    /// <c>pos_embed</c> already has it.
    /// </summary>
    public void TrainPositionEmbedding()
    {
        if (pos_embed is not null) return;
        var like = patch_embed.parameters().First();
        pos_embed = new Parameter(InitialPositions(like.dtype, like.device), requires_grad: true);
        register_parameter(PositionEmbeddingName, pos_embed);
    }

    /// <summary>The sin-cos table as (1, [1+]N, D), with a zero row for the class token.</summary>
    Tensor InitialPositions(ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var table = Config.Dim % 4 == 0 ? positions.Table : zeros(Config.TokenCount, Config.Dim);
        var rows = cat([zeros(Config.PrefixTokens, Config.Dim), table]).unsqueeze(0);
        return rows.to(dtype, device, copy: true).MoveToOuterDisposeScope();
    }

    /// <summary>Parameters that take no weight decay whatever their shape (timm's <c>no_weight_decay()</c>).</summary>
    public static bool SkipsWeightDecay(string parameterName) =>
        parameterName is PositionEmbeddingName or ClassTokenName
        || parameterName.EndsWith("." + PositionEmbeddingName, StringComparison.Ordinal)
        || parameterName.EndsWith("." + ClassTokenName, StringComparison.Ordinal);

    /// <summary>
    /// The positions as timm's <c>pos_embed</c> (1, [1+]N, D) float32, a new tensor: the learned
    /// parameter, or the sin-cos table (with MAE's zero row for a class token).
    /// </summary>
    public Tensor TimmPositionEmbedding() => pos_embed is not null
        ? pos_embed.detach().cpu().to(ScalarType.Float32, copy: true)
        : InitialPositions(ScalarType.Float32, CPU);

    /// <summary>Positions of the tokens (B, M) int64 raster indices → (B, M, D), in the dtype of <paramref name="like"/>.</summary>
    public Tensor GatherPositions(Tensor tokens, Tensor like)
    {
        if (pos_embed is null) return positions.Gather(tokens, like);
        using var scope = NewDisposeScope();
        return TokenGather.FromTable(PatchPositions(pos_embed).to(like.dtype), tokens).MoveToOuterDisposeScope();
    }

    Tensor PatchPositions(Tensor posEmbed) => posEmbed[0, TensorIndex.Slice(Config.PrefixTokens)];

    internal PatchEmbed PatchEmbedding => patch_embed;

    internal IList<Block> Blocks => blocks;

    /// <summary>
    /// Embeds patch tokens and adds their positions: patches (B, N, P·P·C) raster order;
    /// tokens (B, L) int64 raster indices to take, in sequence order, or null for all N. With a
    /// class token, it comes first (with its position).
    /// </summary>
    public Tensor Embed(Tensor patches, Tensor? tokens)
    {
        using var scope = NewDisposeScope();
        var x = tokens is null
            ? patch_embed.forward(patches).Plus(pos_embed is null ? positions.Like(patches) : PatchPositions(pos_embed).to(patches.dtype))
            : patch_embed.forward(TokenGather.Rows(patches, tokens)).Plus(GatherPositions(tokens, patches));
        if (cls_token is not null)
        {
            var cls = pos_embed is null ? cls_token : cls_token.Plus(pos_embed[TensorIndex.Colon, TensorIndex.Slice(0, 1)]);
            x = cat([cls.to(x.dtype).expand(x.shape[0], -1, -1), x], 1);
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the encoder over a subset of tokens. mask: boolean self-attention mask (B|1, 1, L, L),
    /// true = may attend, or null for full attention. Returns the final-normed output (B, L, D) and,
    /// with <paramref name="keepBlockOutputs"/>, each block's output H^1..H^L (B, L, D). With a class
    /// token it comes first in the outputs (L+1 tokens), and masks are not supported.
    /// </summary>
    public EncoderOutput Forward(Tensor patches, Tensor? tokens = null, Tensor? mask = null, bool keepBlockOutputs = false)
    {
        if (mask is not null && cls_token is not null)
            throw new ArgumentException("an encoder with a class token takes no attention mask");
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
    /// Evaluation features: images (B, C, H, W) → all N tokens, no mask, final norm, then the mean
    /// over the patch tokens or the class token (<see cref="ViTConfig.Pool"/>) → (B, D).
    /// </summary>
    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        var patches = Patches.Patchify(images, Config.PatchSize);
        var output = Forward(patches).Output;
        var pooled = Config.Pool == FeaturePool.ClassToken
            ? output[TensorIndex.Colon, 0]
            : output[TensorIndex.Colon, TensorIndex.Slice(Config.PrefixTokens)].mean([1L]);
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>Same as <see cref="Features"/>.</summary>
    public override Tensor forward(Tensor images) => Features(images);

    protected override void Dispose(bool disposing)
    {
        if (disposing) positions.Dispose();
        base.Dispose(disposing);
    }
}
