using RandSac.Evaluation;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RandSac.Tests.Evaluation;

public sealed class LarsTests
{
    static Parameter Param(float[] values, params long[] shape) => new(tensor(values).reshape(shape));

    static float[] Values(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void OneStepOnAMatrixIsTheTrustScaledDecayedGradient()
    {
        var p = Param([1, 2, 3, 4], 2, 2);
        p.grad = tensor(new float[] { 0.5f, -1, 2, 0 }).reshape(2, 2);
        using var lars = new Lars([p], momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001);
        lars.Step(0.5);

        // By hand: d = g + 0.1·p = (0.6, −0.8, 2.3, 0.4); ‖p‖ = √30, ‖d‖ = √6.45;
        // q = 0.001·√30/√6.45; μ = q·d (first step); p ← p − 0.5·μ.
        double q = 0.001 * Math.Sqrt(30) / Math.Sqrt(6.45);
        double[] d = [0.6, -0.8, 2.3, 0.4];
        double[] before = [1, 2, 3, 4];
        var expected = before.Select((v, i) => (float)(v - 0.5 * q * d[i])).ToArray();
        Assert.Equal(expected, Values(p), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void StepsAndZeroingLeaveNoTensorBehind()
    {
        var p = Param([1, 2, 3, 4], 2, 2);
        p.grad = tensor(new float[] { 0.5f, -1, 2, 0 }).reshape(2, 2);
        using var lars = new Lars([p], momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001);
        Assert.Equal(0, LiveTensors.LeftBy(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                lars.Step(0.5);
                lars.ZeroGrad();
            }
        }));
    }

    [Fact]
    public void OneDimensionalParametersTakeThePlainGradientWithMomentumAndNoDecay()
    {
        var bias = Param([1, -2], 2);
        using var lars = new Lars([bias], momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001);
        bias.grad = tensor(new float[] { 0.5f, 0.5f });
        lars.Step(0.5);
        // No decay, no trust ratio: b ← b − 0.5·g.
        Assert.Equal([0.75f, -2.25f], Values(bias));

        lars.Step(0.5);
        // μ = 0.9·g + g = 1.9·g = 0.95; b ← b − 0.5·0.95.
        Assert.Equal([0.75f - 0.475f, -2.25f - 0.475f], Values(bias), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void AZeroMatrixSkipsTheTrustRatio()
    {
        var p = Param([0, 0, 0, 0], 2, 2);
        p.grad = tensor(new float[] { 1, -2, 3, -4 }).reshape(2, 2);
        using var lars = new Lars([p]);
        lars.Step(0.1);
        Assert.Equal([-0.1f, 0.2f, -0.3f, 0.4f], Values(p), (a, b) => Math.Abs(a - b) < 1e-7);
    }
}
