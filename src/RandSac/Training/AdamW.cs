using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// AdamW (decoupled weight decay) with two groups: weight decay on matrices and
/// convolution kernels, none on biases, norms and other 1-D parameters. A caller's rule
/// replaces that default (pre-trainers also exempt RandSAC's skip mixing weights).
/// Our own rather than TorchSharp's so that its whole state — moments and step count —
/// is plain named tensors that go into our checkpoints and resume bit-exactly.
/// <para>
/// Each group's parameters are moved into one contiguous buffer (<see cref="FlatParameters"/>),
/// their gradients into another, and the moments are buffers of the same layout, so a step is
/// a few whole-buffer operations per group rather than a loop over every parameter. The
/// optimiser therefore takes over the parameters' storage and their gradients: gradients are
/// zeroed, never set to null, and every parameter takes part in every step (one that received
/// no gradient is still decayed and moved by its momentum).
/// </para>
/// </summary>
public sealed class AdamW : IDisposable
{
    readonly List<Group> _groups = [];

    sealed class Group(FlatParameters flat, bool decay) : IDisposable
    {
        public FlatParameters Flat { get; } = flat;
        public bool Decay { get; } = decay;
        public Tensor ExpAvg { get; } = flat.NewBuffer();
        public Tensor ExpAvgSq { get; } = flat.NewBuffer();

        /// <summary>Scratch for the update's denominator, kept to avoid a large allocation per step.</summary>
        public Tensor Denominator { get; } = flat.NewBuffer();

        public void Dispose()
        {
            Flat.Dispose();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            Denominator.Dispose();
        }
    }

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8, Func<string, Parameter, bool>? usesDecay = null)
    {
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        usesDecay ??= (_, parameter) => parameter.dim() >= 2;
        var trainable = parameters.Where(p => p.Parameter.requires_grad).ToList();
        // One buffer per (decay, dtype, device); in practice one per decay group.
        foreach (var members in trainable
                     .GroupBy(p => (Decay: usesDecay(p.Name, p.Parameter),
                         p.Parameter.dtype, Device: p.Parameter.device.ToString()))
                     .OrderByDescending(g => g.Key.Decay))
            _groups.Add(new Group(FlatParameters.Adopt(members.ToList()), members.Key.Decay));
    }

    public double WeightDecay { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Updates taken so far.</summary>
    public long Steps { get; private set; }

    public IEnumerable<string> DecayedNames => _groups.Where(g => g.Decay).SelectMany(g => g.Flat.Members).Select(m => m.Name);

    public IEnumerable<Parameter> Parameters => _groups.SelectMany(g => g.Flat.Members).Select(m => m.Parameter);

    /// <summary>The flattened parameter groups, weight-decayed first.</summary>
    public IReadOnlyList<FlatParameters> Groups => _groups.Select(g => g.Flat).ToList();

    public void ZeroGrad()
    {
        foreach (var group in _groups) group.Flat.ZeroGrad();
    }

    /// <summary>
    /// The squared norm of all gradients, one dot product per flat buffer. It is finite exactly
    /// when every gradient and every gradient's square is, so it is also the check that a step is
    /// safe to take: with finite squares the moments stay finite.
    /// </summary>
    public double GradientNormSquared()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double total = 0;
        foreach (var group in _groups) total += group.Flat.Grads.dot(group.Flat.Grads).item<float>();
        return total;
    }

    /// <summary>Scales all gradients so that their norm is at most <paramref name="maxNorm"/> (PyTorch's clip_grad_norm_ rule).</summary>
    public void ClipGradients(double maxNorm, double normSquared)
    {
        double coefficient = maxNorm / (Math.Sqrt(normSquared) + 1e-6);
        if (coefficient >= 1) return;
        using var _ = no_grad();
        using var scale = coefficient.ToScalar();
        foreach (var group in _groups) group.Flat.Grads.mul_(scale);
    }

    /// <summary>
    /// Whether the weights (and with <paramref name="moments"/> the moments) hold only finite
    /// values: one sum per flat buffer, non-finite if any element is (or if they are so large
    /// that their sum overflows, which only a diverged run reaches).
    /// </summary>
    public bool IsFinite(bool moments = false)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var group in _groups)
        {
            if (!float.IsFinite(group.Flat.Values.sum().item<float>())) return false;
            if (moments && !(float.IsFinite(group.ExpAvg.sum().item<float>()) && float.IsFinite(group.ExpAvgSq.sum().item<float>())))
                return false;
        }
        return true;
    }

    public void Step(double lr)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double stepSize = lr / correction1;
        double correction2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Scalars held in locals until the end: an implicit double → Scalar temporary can be
        // finalised by the GC while the native call still reads it.
        using var decay = (1 - lr * WeightDecay).ToScalar();
        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var correction2 = correction2Sqrt.ToScalar();
        using var eps = Eps.ToScalar();
        using var minusStep = (-stepSize).ToScalar();
        foreach (var group in _groups)
        {
            var values = group.Flat.Values;
            var grad = group.Flat.Grads;
            if (group.Decay && WeightDecay != 0) values.mul_(decay);
            group.ExpAvg.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
            group.ExpAvgSq.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);
            var denominator = group.Denominator.copy_(group.ExpAvgSq).sqrt_().div_(correction2).add_(eps);
            values.addcdiv_(group.ExpAvg, denominator, value: minusStep);
        }
    }

    /// <summary>
    /// The optimiser's state as named tensors, <c>exp_avg.{name}</c> and <c>exp_avg_sq.{name}</c>
    /// per parameter (views of the live state; copy before changing).
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> State()
    {
        foreach (var group in _groups)
            for (int i = 0; i < group.Flat.Members.Count; i++)
            {
                string name = group.Flat.Members[i].Name;
                yield return new($"exp_avg.{name}", group.Flat.Slice(group.ExpAvg, i));
                yield return new($"exp_avg_sq.{name}", group.Flat.Slice(group.ExpAvgSq, i));
            }
    }

    /// <summary>Restores moments and step count saved by <see cref="State"/>.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, long steps)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var group in _groups)
            for (int i = 0; i < group.Flat.Members.Count; i++)
            {
                string name = group.Flat.Members[i].Name;
                var expAvg = group.Flat.Slice(group.ExpAvg, i);
                var expAvgSq = group.Flat.Slice(group.ExpAvgSq, i);
                expAvg.copy_(Require(state, $"exp_avg.{name}", expAvg));
                expAvgSq.copy_(Require(state, $"exp_avg_sq.{name}", expAvgSq));
            }
        Steps = steps;
    }

    static Tensor Require(IReadOnlyDictionary<string, Tensor> state, string name, Tensor like)
    {
        if (!state.TryGetValue(name, out var tensor))
            throw new InvalidDataException($"optimiser state has no '{name}'");
        if (!tensor.shape.SequenceEqual(like.shape))
            throw new InvalidDataException(
                $"optimiser state '{name}' has shape [{string.Join(", ", tensor.shape)}], expected [{string.Join(", ", like.shape)}]");
        return tensor;
    }

    public void Dispose()
    {
        foreach (var group in _groups) group.Dispose();
    }
}
