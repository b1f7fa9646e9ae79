using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>
/// MAE's initialisation: xavier_uniform on every Linear weight and on the patch embedding seen as
/// a (D, C·P·P) matrix, zero biases, LayerNorm weight 1 and bias 0. Draws from torch's global
/// generator, so torch.manual_seed before construction reproduces a model.
/// </summary>
public static class WeightInit
{
    /// <summary>Initialises <paramref name="root"/> and its submodules, except the subtrees in <paramref name="skip"/>.</summary>
    public static void InitialiseLikeMae(nn.Module root, params nn.Module[] skip)
    {
        using var noGrad = no_grad();
        var skipped = new HashSet<nn.Module>(skip.Concat(skip.SelectMany(m => m.modules())), ReferenceEqualityComparer.Instance);
        foreach (var module in new[] { root }.Concat(root.modules()))
        {
            if (skipped.Contains(module)) continue;
            switch (module)
            {
                case Linear linear:
                    nn.init.xavier_uniform_(linear.weight!);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case LayerNorm layerNorm:
                    if (layerNorm.weight is not null) nn.init.ones_(layerNorm.weight);
                    if (layerNorm.bias is not null) nn.init.zeros_(layerNorm.bias);
                    break;
                case PatchEmbed patchEmbed:
                    nn.init.xavier_uniform_(patchEmbed.Weight.view(patchEmbed.Weight.shape[0], -1));
                    nn.init.zeros_(patchEmbed.Bias);
                    break;
            }
        }
    }
}
