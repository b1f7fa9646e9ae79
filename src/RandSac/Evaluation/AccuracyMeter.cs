using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Counts top-1 and top-5 hits, overall and per class, from batches of class scores (logits,
/// probabilities or kNN votes: only their order matters). With fewer than five classes,
/// top-5 is top-(number of classes).
/// </summary>
public sealed class AccuracyMeter(string[] classNames)
{
    readonly int[] _count = new int[classNames.Length];
    readonly int[] _correct = new int[classNames.Length];
    int _top5;
    int _total;

    /// <summary>scores (B, classes); labels (B) int64.</summary>
    public void Add(Tensor scores, Tensor labels)
    {
        if (scores.dim() != 2 || scores.shape[1] != classNames.Length || labels.shape[0] != scores.shape[0])
            throw new ArgumentException($"scores [{string.Join(", ", scores.shape)}] do not fit {labels.shape[0]} labels of {classNames.Length} classes");
        using var scope = NewDisposeScope();
        int k = Math.Min(5, classNames.Length);
        var top = scores.topk(k, dim: 1).indexes.to(ScalarType.Int64).cpu();
        var truth = labels.to(ScalarType.Int64).cpu();
        var hits = top.eq(truth.unsqueeze(1));
        long[] first = top[.., 0].data<long>().ToArray();
        long[] labelValues = truth.data<long>().ToArray();
        bool[] inTop = hits.any(1).data<bool>().ToArray();
        for (int i = 0; i < labelValues.Length; i++)
        {
            int label = (int)labelValues[i];
            _count[label]++;
            if (first[i] == label) _correct[label]++;
            if (inTop[i]) _top5++;
        }
        _total += labelValues.Length;
    }

    public ClassificationResult Result()
    {
        var perClass = classNames.Select((name, c) => new ClassAccuracy(name, _count[c], _correct[c])).ToList();
        double top1 = _total == 0 ? double.NaN : (double)_correct.Sum() / _total;
        double top5 = _total == 0 ? double.NaN : (double)_top5 / _total;
        return new ClassificationResult(_total, top1, top5, perClass);
    }
}
