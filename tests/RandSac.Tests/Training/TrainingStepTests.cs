using RandSac.Models;
using RandSac.Tests.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Training;

/// <summary>bf16 mixed precision against fp32 on a tiny model.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class TrainingStepTests
{
    static readonly ViTConfig Encoder = new(Dim: 32, Depth: 2, Heads: 2, PatchSize: 4, Channels: 3, ImageHeight: 16, ImageWidth: 16);

    static PretrainOptions Options(PretrainMethod method) => new(method, Encoder, new DecoderConfig(Depth: 1), Skip: true);

    /// <summary>Losses of a few steps on fixed batches, from seed 0.</summary>
    static List<double> Losses(PretrainOptions options, Precision precision, int steps, Action<TrainingStep>? inspect = null)
    {
        manual_seed(0);
        using var model = PretrainerFactory.Create(options);
        using var step = new TrainingStep(model, options, precision, weightDecay: 0.05, beta1: 0.9, beta2: 0.95);
        step.Train();
        var sampler = PretrainerFactory.CreateInputSampler(options, "square:1", "random");
        var losses = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            using var images = ModelTestKit.Images(8, Encoder, seed: i, ScalarType.Float32);
            using var inputs = sampler.Sample(8, seed: i);
            losses.Add(step.Accumulate(images, inputs, normPixLoss: true));
            step.Update(2e-3);
        }
        inspect?.Invoke(step);
        return losses;
    }

    [Fact]
    public void Bf16KeepsFloat32MastersGradientsAndOptimiserState()
    {
        Losses(Options(PretrainMethod.RandSac), Precision.Bf16, steps: 2, step =>
        {
            Assert.All(step.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            Assert.All(step.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
            Assert.All(step.Optimizer.State(), s => Assert.Equal(ScalarType.Float32, s.Value.dtype));
            Assert.All(step.ComputeModel.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
            Assert.NotSame(step.Model, step.ComputeModel);
            // The working copy is the master rounded to bf16, refreshed after the last update.
            var masters = step.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, copy) in step.ComputeModel.named_parameters())
                Assert.True(TensorAssert.Same(copy, masters[name].to(ScalarType.BFloat16)), $"{name} is stale");
            Assert.Equal(2, step.Optimizer.Steps);
        });
    }

    [Theory]
    [InlineData(PretrainMethod.RandSac)]
    [InlineData(PretrainMethod.Mae)]
    [InlineData(PretrainMethod.TwoStream)]
    public void Bf16LossesStayCloseToFp32(PretrainMethod method)
    {
        var fp32 = Losses(Options(method), Precision.Fp32, steps: 4);
        var bf16 = Losses(Options(method), Precision.Bf16, steps: 4);
        for (int i = 0; i < fp32.Count; i++)
            Assert.True(Math.Abs(bf16[i] - fp32[i]) <= 0.02 * fp32[i], $"step {i + 1}: bf16 {bf16[i]} vs fp32 {fp32[i]}");
        Assert.True(bf16[^1] < bf16[0], "bf16 training does not lower the loss");
    }

    [Theory]
    [InlineData(PretrainMethod.RandSac, Precision.Fp32)]
    [InlineData(PretrainMethod.RandSac, Precision.Bf16)]
    [InlineData(PretrainMethod.Mae, Precision.Fp32)]
    [InlineData(PretrainMethod.TwoStream, Precision.Fp32)]
    public void StepsLeaveNoTensorBehind(PretrainMethod method, Precision precision)
    {
        var options = Options(method);
        using var model = PretrainerFactory.Create(options);
        using var step = new TrainingStep(model, options, precision, weightDecay: 0.05, beta1: 0.9, beta2: 0.95);
        step.Train();
        var sampler = PretrainerFactory.CreateInputSampler(options, "square:1", "random");
        void Steps(int first, int count)
        {
            for (int i = first; i < first + count; i++)
            {
                using var images = ModelTestKit.Images(8, Encoder, seed: i, ScalarType.Float32);
                using var inputs = sampler.Sample(8, seed: i);
                step.Accumulate(images, inputs, normPixLoss: true);
                step.Update(2e-3, clipGradNorm: 1e-3);
            }
        }
        Steps(0, 1); // the first step makes what every later one reuses
        Assert.Equal(0, LiveTensors.LeftBy(() => Steps(1, 3)));
    }

    [Fact]
    public void BuildingTheWorkingCopyLeavesTheGeneratorAlone()
    {
        var options = Options(PretrainMethod.RandSac);
        double Next(Precision precision)
        {
            manual_seed(3);
            using var model = PretrainerFactory.Create(options);
            using var step = new TrainingStep(model, options, precision, 0.05, 0.9, 0.95);
            return rand(1).item<float>();
        }
        Assert.Equal(Next(Precision.Fp32), Next(Precision.Bf16));
    }
}
