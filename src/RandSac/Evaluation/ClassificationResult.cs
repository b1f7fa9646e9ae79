namespace RandSac.Evaluation;

/// <summary>Top-1 accuracy of one class; null when the test set has none of it.</summary>
public sealed record ClassAccuracy(string Name, int Count, int Correct)
{
    public double? Top1 => Count == 0 ? null : (double)Correct / Count;
}

/// <summary>Accuracies of a classifier on a test set, as fractions in [0, 1].</summary>
public sealed record ClassificationResult(int Count, double Top1, double Top5, IReadOnlyList<ClassAccuracy> PerClass);
