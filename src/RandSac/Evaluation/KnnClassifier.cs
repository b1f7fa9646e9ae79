using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// Weighted k-nearest-neighbour classification as in DINO: features are L2-normalised, the
/// similarity is the cosine, the k most similar bank entries vote for their class with weight
/// exp(similarity / T), and the votes of each class are summed.
/// </summary>
public sealed class KnnClassifier
{
    public const int DefaultK = 20;
    public const double DefaultTemperature = 0.07;

    public KnnClassifier(int k = DefaultK, double temperature = DefaultTemperature, int chunk = 256)
    {
        if (k < 1) throw new ArgumentException($"k must be at least 1, got {k}");
        if (!(temperature > 0)) throw new ArgumentException($"the kNN temperature must be positive, got {temperature}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunk);
        K = k;
        Temperature = temperature;
        Chunk = chunk;
    }

    public int K { get; }
    public double Temperature { get; }

    /// <summary>Queries scored per matrix product.</summary>
    public int Chunk { get; }

    /// <summary>
    /// Class votes (Q, classes) of each query. bank (N, D) with int64 labels (N) in [0, classes);
    /// queries (Q, D). Throws <see cref="ArgumentException"/> when k exceeds the bank.
    /// </summary>
    public Tensor Scores(Tensor bank, Tensor bankLabels, Tensor queries, int classes)
    {
        if (K > bank.shape[0])
            throw new ArgumentException($"k = {K} is larger than the memory bank of {bank.shape[0]} images");
        if (bank.dim() != 2 || queries.dim() != 2 || bank.shape[1] != queries.shape[1])
            throw new ArgumentException($"bank [{string.Join(", ", bank.shape)}] and queries [{string.Join(", ", queries.shape)}] differ in width");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var keys = nn.functional.normalize(bank, p: 2, dim: 1).t();
        var labels = bankLabels.to(ScalarType.Int64);
        var normalised = nn.functional.normalize(queries, p: 2, dim: 1);
        var parts = new List<Tensor>();
        using var temperature = Temperature.ToScalar();
        for (long start = 0; start < queries.shape[0]; start += Chunk)
        {
            long end = Math.Min(queries.shape[0], start + Chunk);
            var similarity = normalised[TensorIndex.Slice(start, end)].mm(keys);
            var (values, indices) = similarity.topk(K, dim: 1, largest: true, sorted: true);
            var neighbourLabels = labels[indices];
            var weights = values.div(temperature).exp_();
            parts.Add(zeros(end - start, classes).scatter_add_(1, neighbourLabels, weights));
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Classifies every test feature against the train features (the memory bank).</summary>
    public ClassificationResult Evaluate(FeatureSet bank, FeatureSet queries)
    {
        using var scope = NewDisposeScope();
        var meter = new AccuracyMeter(queries.ClassNames);
        int classes = Math.Max(bank.ClassNames.Length, queries.ClassNames.Length);
        if (bank.ClassNames.Length != queries.ClassNames.Length)
            throw new ArgumentException($"the memory bank has {bank.ClassNames.Length} classes but the queries {queries.ClassNames.Length}");
        meter.Add(Scores(bank.Features, bank.LabelTensor(), queries.Features, classes), queries.LabelTensor());
        return meter.Result();
    }
}
