using RandSac.Training;
using TorchSharp;
using TorchAdamW = TorchSharp.Modules.AdamW;
using AdamW = RandSac.Training.AdamW;
using static TorchSharp.torch;

namespace RandSac.Tests.Training;

public class AdamWTests
{
    [Fact]
    public void MatchesTorchSharpsAdamWWithTheSameGroups()
    {
        manual_seed(0);
        var ours = nn.Sequential(("fc", nn.Linear(4, 3)), ("norm", nn.LayerNorm(3)));
        var theirs = nn.Sequential(("fc", nn.Linear(4, 3)), ("norm", nn.LayerNorm(3)));
        theirs.load_state_dict(ours.state_dict());

        var optimiser = new AdamW(ours.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.05);
        Assert.Equal(["fc.weight"], optimiser.DecayedNames);
        var decay = theirs.named_parameters().Where(p => p.parameter.dim() >= 2).Select(p => p.parameter);
        var noDecay = theirs.named_parameters().Where(p => p.parameter.dim() < 2).Select(p => p.parameter);
        var reference = optim.AdamW(
            [new TorchAdamW.ParamGroup(decay, new TorchAdamW.Options { weight_decay = 0.05 }),
             new TorchAdamW.ParamGroup(noDecay, new TorchAdamW.Options { weight_decay = 0 })],
            lr: 0.01, beta1: 0.9, beta2: 0.95);

        for (int step = 0; step < 5; step++)
        {
            using var x = randn(8, 4);
            optimiser.ZeroGrad();
            ours.forward(x).pow(2).mean().backward();
            optimiser.Step(0.01);
            reference.zero_grad();
            theirs.forward(x).pow(2).mean().backward();
            reference.step();
        }
        foreach (var ((name, a), (_, b)) in ours.named_parameters().Zip(theirs.named_parameters()))
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6), $"{name} differs");
    }

    [Fact]
    public void StateRoundTripsIntoAFreshOptimiser()
    {
        manual_seed(1);
        var model = nn.Linear(3, 2);
        var named = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        var first = new AdamW(named, weightDecay: 0.1);
        model.forward(ones(1, 3)).sum().backward();
        first.Step(0.1);
        var saved = first.State().ToDictionary(p => p.Key, p => p.Value.clone());

        var second = new AdamW(named, weightDecay: 0.1);
        second.Load(saved, first.Steps);
        Assert.Equal(1, second.Steps);
        foreach (var (name, tensor) in second.State())
            Assert.True(TensorAssert.Same(tensor, saved[name]), name);
        var error = Assert.Throws<InvalidDataException>(() => second.Load(new Dictionary<string, Tensor>(), 1));
        Assert.Contains("has no 'exp_avg.weight'", error.Message);
    }
}
