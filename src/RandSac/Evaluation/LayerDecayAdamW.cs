using RandSac.Models;
using RandSac.Training;
using Parameter = TorchSharp.Modules.Parameter;

namespace RandSac.Evaluation;

/// <summary>
/// AdamW with one parameter group per layer (see <see cref="LayerDecay"/>): each group is our
/// <see cref="AdamW"/> (no weight decay on 1-D parameters nor on <c>pos_embed</c>) stepping
/// with lr × its scale.
/// </summary>
public sealed class LayerDecayAdamW : IDisposable
{
    public sealed record Group(int LayerId, double Scale, IReadOnlyList<string> Names, AdamW Optimizer);

    public LayerDecayAdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, int depth, double decay,
        double weightDecay, double beta1 = 0.9, double beta2 = 0.999)
    {
        if (decay is <= 0 or > 1) throw new ArgumentException($"layer decay must be in (0, 1], got {decay}");
        Groups = parameters
            .Where(p => p.Parameter.requires_grad)
            .GroupBy(p => LayerDecay.LayerId(p.Name, depth))
            .OrderBy(g => g.Key)
            .Select(g => new Group(g.Key, LayerDecay.Scale(g.Key, depth, decay), g.Select(p => p.Name).ToList(),
                new AdamW(g.Select(p => (p.Name, p.Parameter)), weightDecay, beta1, beta2, usesDecay: UsesDecay)))
            .ToList();
    }

    public IReadOnlyList<Group> Groups { get; }

    /// <summary>Weight decay on matrices and kernels, except the position embedding (MAE's no_weight_decay list).</summary>
    public static bool UsesDecay(string name, Parameter parameter) =>
        parameter.dim() >= 2 && !VisionTransformer.SkipsWeightDecay(name);

    public IEnumerable<Parameter> Parameters => Groups.SelectMany(g => g.Optimizer.Parameters);

    public void Step(double lr)
    {
        foreach (var group in Groups) group.Optimizer.Step(lr * group.Scale);
    }

    public void ZeroGrad()
    {
        foreach (var group in Groups) group.Optimizer.ZeroGrad();
    }

    public void Dispose()
    {
        foreach (var group in Groups) group.Optimizer.Dispose();
    }
}
