using RandSac.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// LARS (layer-wise adaptive rate scaling) as in MAE's <c>util/lars.py</c>, the linear probe's
/// optimiser. For a parameter with more than one dimension the update is
/// <c>d = g + wd·p</c>, scaled by the trust ratio <c>η·‖p‖/‖d‖</c> (1 when either norm is 0);
/// 1-D parameters (biases, norms) take the plain gradient, with no weight decay and no
/// adaptation. Then heavy-ball momentum: <c>μ ← m·μ + d</c>, <c>p ← p − lr·μ</c>.
/// </summary>
public sealed class Lars : IDisposable
{
    readonly List<(Parameter Parameter, Tensor Momentum)> _slots = [];

    public Lars(IEnumerable<Parameter> parameters, double momentum = 0.9, double weightDecay = 0.0,
        double trustCoefficient = 0.001)
    {
        if (momentum is < 0 or >= 1) throw new ArgumentException($"LARS momentum must be in [0, 1), got {momentum}");
        if (weightDecay < 0) throw new ArgumentException($"weight decay must not be negative, got {weightDecay}");
        if (!(trustCoefficient > 0)) throw new ArgumentException($"the trust coefficient must be positive, got {trustCoefficient}");
        Momentum = momentum;
        WeightDecay = weightDecay;
        TrustCoefficient = trustCoefficient;
        using var _ = no_grad();
        foreach (var parameter in parameters)
            if (parameter.requires_grad) _slots.Add((parameter, zeros_like(parameter).DetachFromDisposeScope()));
    }

    public double Momentum { get; }
    public double WeightDecay { get; }
    public double TrustCoefficient { get; }

    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope(); // each .grad and each zero_() returns a new tensor object
        foreach (var (parameter, _) in _slots) parameter.grad?.zero_();
    }

    public void Step(double lr)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var weightDecay = WeightDecay.ToScalar();
        using var momentumFactor = Momentum.ToScalar();
        using var trustCoefficient = TrustCoefficient.ToScalar();
        using var minusLr = (-lr).ToScalar();
        foreach (var (parameter, momentum) in _slots)
        {
            var update = parameter.grad;
            if (update is null) continue;
            if (parameter.dim() > 1)
            {
                update = update.add(parameter, weightDecay);
                var parameterNorm = parameter.norm();
                var updateNorm = update.norm();
                var one = ones_like(parameterNorm);
                var trust = where(parameterNorm.gt(HeldScalars.Zero),
                    where(updateNorm.gt(HeldScalars.Zero), parameterNorm.mul(trustCoefficient).div(updateNorm), one), one);
                update = update.mul(trust);
            }
            momentum.mul_(momentumFactor).PlusInPlace(update);
            parameter.add_(momentum, minusLr);
        }
    }

    public void Dispose()
    {
        foreach (var (_, momentum) in _slots) momentum.Dispose();
    }
}
