using RandSac.Evaluation;
using static TorchSharp.torch;

namespace RandSac.Tests.Evaluation;

public sealed class SoftTargetLossTests
{
    [Fact]
    public void LabelSmoothingSpreadsEpsilonOverTheClasses()
    {
        using var targets = SoftTargetLoss.Smoothed(tensor(new long[] { 1, 3 }), 4, 0.1);
        Assert.Equal([0.025f, 0.925f, 0.025f, 0.025f, 0.025f, 0.025f, 0.025f, 0.925f], targets.data<float>().ToArray(),
            (a, b) => Math.Abs(a - b) < 1e-7);
    }

    [Fact]
    public void SoftTargetCrossEntropyIsTheMeanOfMinusTargetTimesLogSoftmax()
    {
        using var logits = tensor(new float[] { 1, 2, 3, 0, 0, 0 }).reshape(2, 3);
        using var targets = tensor(new float[] { 0.2f, 0.3f, 0.5f, 1, 0, 0 }).reshape(2, 3);
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        double first = -(0.2 * (1 - lse) + 0.3 * (2 - lse) + 0.5 * (3 - lse));
        double second = Math.Log(3); // uniform logits, hard target
        using var loss = SoftTargetLoss.CrossEntropy(logits, targets);
        Assert.Equal((first + second) / 2, loss.item<float>(), 5);
    }

    [Fact]
    public void WithSmoothedTargetsItMatchesTorchsLabelSmoothedCrossEntropy()
    {
        manual_seed(4);
        using var logits = randn(5, 7);
        using var labels = tensor(new long[] { 0, 6, 3, 3, 1 });
        using var targets = SoftTargetLoss.Smoothed(labels, 7, 0.1);
        using var ours = SoftTargetLoss.CrossEntropy(logits, targets);
        using var torchs = nn.functional.cross_entropy(logits, labels, label_smoothing: 0.1);
        Assert.Equal(torchs.item<float>(), ours.item<float>(), 5);
    }
}
