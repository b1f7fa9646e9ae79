using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Models;

/// <summary>Transformer MLP: fc1 → GELU (exact) → fc2, timm's names.</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly Linear fc2;

    public Mlp(int dim, int hiddenDim) : base(nameof(Mlp))
    {
        fc1 = Linear(dim, hiddenDim);
        fc2 = Linear(hiddenDim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(functional.gelu(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}
