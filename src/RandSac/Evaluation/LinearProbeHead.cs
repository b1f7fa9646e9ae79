using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Evaluation;

/// <summary>
/// MAE's linear-probe head: BatchNorm1d without affine parameters (eps 1e-6) — a per-feature
/// standardisation that the probe needs because pre-trained features are badly scaled — then a
/// Linear layer (weight trunc-normal, std 0.01; bias 0). Names: <c>norm</c>, <c>linear</c>.
/// </summary>
public sealed class LinearProbeHead : Module<Tensor, Tensor>
{
    readonly BatchNorm1d norm;
    readonly Linear linear;

    /// <summary>Draws the weights from torch's global generator (seed it first).</summary>
    public LinearProbeHead(int dim, int classes) : base(nameof(LinearProbeHead))
    {
        norm = BatchNorm1d(dim, eps: 1e-6, affine: false);
        linear = Linear(dim, classes);
        using (no_grad())
        {
            init.trunc_normal_(linear.weight!, std: 0.01);
            init.zeros_(linear.bias!);
        }
        RegisterComponents();
    }

    /// <summary>features (B, D) → logits (B, classes).</summary>
    public override Tensor forward(Tensor features) => linear.forward(norm.forward(features));
}
