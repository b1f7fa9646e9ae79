using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// AdamW (decoupled weight decay) with two groups: weight decay on matrices and
/// convolution kernels, none on biases, norms and other 1-D parameters (nor on the
/// skip-connection mixing weights, which are coefficients rather than a projection).
/// Our own rather than TorchSharp's so that its whole state — moments and step count —
/// is plain named tensors that go into our checkpoints and resume bit-exactly.
/// </summary>
public sealed class AdamW : IDisposable
{
    readonly List<Slot> _slots = [];

    sealed record Slot(string Name, Parameter Parameter, bool Decay, Tensor ExpAvg, Tensor ExpAvgSq);

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8, Func<string, bool>? exemptFromDecay = null)
    {
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        using var _ = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            if (!parameter.requires_grad) continue;
            bool decay = parameter.dim() >= 2 && !(exemptFromDecay?.Invoke(name) ?? false);
            _slots.Add(new Slot(name, parameter, decay, zeros_like(parameter), zeros_like(parameter)));
        }
    }

    public double WeightDecay { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Updates taken so far.</summary>
    public long Steps { get; private set; }

    public IEnumerable<string> DecayedNames => _slots.Where(s => s.Decay).Select(s => s.Name);
    public IEnumerable<string> UndecayedNames => _slots.Where(s => !s.Decay).Select(s => s.Name);

    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    public void ZeroGrad()
    {
        foreach (var slot in _slots) slot.Parameter.grad?.zero_();
    }

    public void Step(double lr)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double stepSize = lr / correction1;
        double correction2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var slot in _slots)
        {
            var grad = slot.Parameter.grad;
            if (grad is null) continue;
            if (slot.Decay && WeightDecay != 0) slot.Parameter.mul_(1 - lr * WeightDecay);
            slot.ExpAvg.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
            slot.ExpAvgSq.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
            var denominator = (slot.ExpAvgSq.sqrt() / correction2Sqrt).add_(Eps);
            slot.Parameter.addcdiv_(slot.ExpAvg, denominator, value: -stepSize);
        }
    }

    /// <summary>The optimiser's state as named tensors (views of the live state; copy before changing).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> State()
    {
        foreach (var slot in _slots)
        {
            yield return new($"exp_avg.{slot.Name}", slot.ExpAvg);
            yield return new($"exp_avg_sq.{slot.Name}", slot.ExpAvgSq);
        }
    }

    /// <summary>Restores moments and step count saved by <see cref="State"/>.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, long steps)
    {
        using var _ = no_grad();
        foreach (var slot in _slots)
        {
            slot.ExpAvg.copy_(Require(state, $"exp_avg.{slot.Name}", slot.ExpAvg));
            slot.ExpAvgSq.copy_(Require(state, $"exp_avg_sq.{slot.Name}", slot.ExpAvgSq));
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
        foreach (var slot in _slots)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
        }
    }
}
