using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>
/// Patch embedding stored like timm's (<c>proj.weight</c> (D, C, P, P), <c>proj.bias</c> (D)) but
/// applied to patch vectors in MAE's layout (row, column, channel-last) as one linear map: the
/// weight is permuted to (D, P, P, C) and flattened to (D, P·P·C). This equals the strided conv.
/// </summary>
public sealed class PatchEmbed : Module<Tensor, Tensor>
{
    readonly Conv2d proj;

    public PatchEmbed(int patchSize, int channels, int dim) : base(nameof(PatchEmbed))
    {
        PatchSize = patchSize;
        Channels = channels;
        Dim = dim;
        proj = Conv2d(channels, dim, patchSize, stride: patchSize);
        RegisterComponents();
    }

    public int PatchSize { get; }
    public int Channels { get; }
    public int Dim { get; }

    /// <summary>The conv weight (D, C, P, P).</summary>
    public Tensor Weight => proj.weight!;

    public Tensor Bias => proj.bias!;

    /// <summary>The weight as the linear map on patch vectors, (D, P·P·C), a view-free copy in the graph.</summary>
    public Tensor LinearWeight() => proj.weight!.permute(0, 2, 3, 1).reshape(Dim, -1);

    /// <summary>Patch vectors (…, P·P·C) → embeddings (…, D).</summary>
    public override Tensor forward(Tensor patches)
    {
        using var scope = NewDisposeScope();
        return functional.linear(patches, LinearWeight(), proj.bias).MoveToOuterDisposeScope();
    }
}
