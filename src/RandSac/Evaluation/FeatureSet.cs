using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Encoder features of a whole dataset split: float32 (N, D) in dataset order, with the labels
/// and class names. Owns the tensor.
/// </summary>
public sealed class FeatureSet : IDisposable
{
    public FeatureSet(Tensor features, int[] labels, string[] classNames)
    {
        if (features.dim() != 2 || features.shape[0] != labels.Length)
            throw new ArgumentException($"features [{string.Join(", ", features.shape)}] do not match {labels.Length} labels");
        Features = features.DetachFromDisposeScope();
        Labels = labels;
        ClassNames = classNames;
    }

    public Tensor Features { get; }
    public int[] Labels { get; }
    public string[] ClassNames { get; }
    public int Count => Labels.Length;
    public int Dim => (int)Features.shape[1];

    /// <summary>The labels as an int64 tensor (N).</summary>
    public Tensor LabelTensor() => tensor(Labels.Select(l => (long)l).ToArray());

    public void Dispose() => Features.Dispose();
}
