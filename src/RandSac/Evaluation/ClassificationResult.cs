namespace RandSac.Evaluation;

/// <summary>Top-1 accuracy of one class.</summary>
public sealed record ClassAccuracy(string Name, int Count, int Correct)
{
    public double Top1 => Count == 0 ? double.NaN : (double)Correct / Count;
}

/// <summary>Accuracies of a classifier on a test set, as fractions in [0, 1].</summary>
public sealed record ClassificationResult(int Count, double Top1, double Top5, IReadOnlyList<ClassAccuracy> PerClass);
