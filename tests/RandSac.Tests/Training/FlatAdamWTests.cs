using RandSac.Training;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = RandSac.Training.AdamW;
using static TorchSharp.torch;

namespace RandSac.Tests.Training;

/// <summary>The flattened AdamW against the per-parameter loop it replaced.</summary>
public class FlatAdamWTests
{
    /// <summary>The previous implementation: one update per parameter, kept as the reference.</summary>
    sealed class PerParameterAdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8)
    {
        readonly List<(Parameter P, bool Decay, Tensor M, Tensor V)> _slots = parameters
            .Select(p => (p.Parameter, p.Parameter.dim() >= 2, zeros_like(p.Parameter), zeros_like(p.Parameter))).ToList();
        long _steps;

        public void Step(double lr)
        {
            _steps++;
            double stepSize = lr / (1 - Math.Pow(beta1, _steps));
            double correction2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, _steps));
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            foreach (var (p, decay, m, v) in _slots)
            {
                var grad = p.grad;
                if (grad is null) continue;
                if (decay && weightDecay != 0) p.mul_(1 - lr * weightDecay);
                m.mul_(beta1).add_(grad, alpha: 1 - beta1);
                v.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
                p.addcdiv_(m, (v.sqrt() / correction2Sqrt).add_(eps), value: -stepSize);
            }
        }

        public void ZeroGrad()
        {
            foreach (var slot in _slots) slot.P.grad?.zero_();
        }
    }

    static Sequential Net() => nn.Sequential(("fc1", nn.Linear(6, 5)), ("norm", nn.LayerNorm(5)), ("fc2", nn.Linear(5, 3)));

    static void Train(Sequential net, Action zero, Action<double> step, int steps, int seed)
    {
        var generator = new Generator((ulong)seed);
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            zero();
            net.forward(randn([16, 6], generator: generator)).pow(2).mean().backward();
            step(0.01 * (i + 1));
        }
    }

    [Fact]
    public void MatchesThePerParameterLoop()
    {
        manual_seed(0);
        var flatNet = Net();
        var loopNet = Net();
        loopNet.load_state_dict(flatNet.state_dict());
        using var flat = new AdamW(flatNet.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);
        var loop = new PerParameterAdamW(loopNet.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);

        Train(flatNet, flat.ZeroGrad, flat.Step, steps: 6, seed: 1);
        Train(loopNet, loop.ZeroGrad, loop.Step, steps: 6, seed: 1);

        foreach (var ((name, a), (_, b)) in flatNet.named_parameters().Zip(loopNet.named_parameters()))
            Assert.True(a.allclose(b, rtol: 1e-6, atol: 1e-7), $"{name} differs");
        Assert.Equal(["fc1.weight", "fc2.weight"], flat.DecayedNames);
    }

    [Fact]
    public void ParametersLiveInTheBuffersEvenAfterLoadingAStateDict()
    {
        manual_seed(2);
        var net = Net();
        using var optimiser = new AdamW(net.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);
        var other = Net();
        net.load_state_dict(other.state_dict());
        var before = net.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        Train(net, optimiser.ZeroGrad, optimiser.Step, steps: 1, seed: 3);
        foreach (var (name, value) in net.state_dict())
            Assert.False(TensorAssert.Same(value, before[name]), $"{name} was not updated through the flat buffer");
        long total = optimiser.Groups.Sum(g => g.Count);
        Assert.Equal(net.parameters().Sum(p => p.numel()), total);
    }

    [Fact]
    public void ResumingFromSavedStateContinuesExactly()
    {
        manual_seed(4);
        var straight = Net();
        var resumed = Net();
        resumed.load_state_dict(straight.state_dict());
        using var a = new AdamW(straight.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);
        Train(straight, a.ZeroGrad, a.Step, steps: 3, seed: 5);

        // Save after 3 steps, load into a fresh optimiser over a fresh copy of the weights.
        var weights = straight.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var state = a.State().ToDictionary(p => p.Key, p => p.Value.clone());
        Assert.All(state.Keys, k => Assert.True(k.StartsWith("exp_avg.") || k.StartsWith("exp_avg_sq."), k));
        Assert.Equal(2 * straight.parameters().Count(), state.Count);
        using var b = new AdamW(resumed.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);
        resumed.load_state_dict(weights);
        b.Load(state, a.Steps);

        Train(straight, a.ZeroGrad, a.Step, steps: 2, seed: 7);
        Train(resumed, b.ZeroGrad, b.Step, steps: 2, seed: 7);
        foreach (var ((name, x), (_, y)) in straight.named_parameters().Zip(resumed.named_parameters()))
            Assert.True(TensorAssert.Same(x, y), $"{name} differs after resuming");
        foreach (var (name, tensor) in a.State())
            Assert.True(TensorAssert.Same(tensor, b.State().First(p => p.Key == name).Value), $"{name} differs after resuming");
    }

    [Fact]
    public void TheGradientNormAndClippingMatchPyTorchsRuleOverTheFlatBuffers()
    {
        manual_seed(6);
        var flatNet = Net();
        var reference = Net();
        reference.load_state_dict(flatNet.state_dict());
        using var optimiser = new AdamW(flatNet.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);
        foreach (var net in new[] { flatNet, reference })
        {
            using var scope = NewDisposeScope();
            net.forward(randn([16, 6], generator: new Generator(8)) * 50).pow(2).mean().backward();
        }
        double expected = reference.parameters().Sum(p => p.grad!.pow(2).sum().item<float>());
        double normSquared = optimiser.GradientNormSquared();
        Assert.Equal(expected, normSquared, expected * 1e-5);

        optimiser.ClipGradients(0.5, normSquared);
        nn.utils.clip_grad_norm_(reference.parameters(), 0.5);
        foreach (var ((name, a), (_, b)) in flatNet.named_parameters().Zip(reference.named_parameters()))
            Assert.True(a.grad!.allclose(b.grad!, rtol: 1e-5, atol: 1e-8), $"{name}'s clipped gradient differs");
        Assert.Equal(0.25, optimiser.GradientNormSquared(), 1e-5);
    }

    [Fact]
    public void NonFiniteGradientsAndWeightsAreSeen()
    {
        manual_seed(9);
        var net = Net();
        using var optimiser = new AdamW(net.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);
        Assert.True(double.IsFinite(optimiser.GradientNormSquared()));
        Assert.True(optimiser.IsFinite(moments: true));
        using (no_grad())
        {
            net.named_parameters().First(p => p.name == "fc2.bias").parameter.grad![1] = float.NaN;
            Assert.True(double.IsNaN(optimiser.GradientNormSquared()));
            net.named_parameters().First(p => p.name == "norm.weight").parameter[2] = float.PositiveInfinity;
        }
        Assert.False(optimiser.IsFinite());
    }
}
