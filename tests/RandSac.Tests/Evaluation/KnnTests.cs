using RandSac.Evaluation;
using static TorchSharp.torch;

namespace RandSac.Tests.Evaluation;

public sealed class KnnTests
{
    static Tensor Points(params double[] angleDegrees) => tensor(angleDegrees
        .SelectMany(a => new[] { (float)Math.Cos(a * Math.PI / 180), (float)Math.Sin(a * Math.PI / 180) }).ToArray())
        .reshape(angleDegrees.Length, 2);

    [Fact]
    public void QueriesTakeTheClassOfTheirNeighbours()
    {
        // Three classes on the circle at 0°, 90° and 180°; queries near each, scaled (cosine ignores length).
        using var bank = Points(-5, 0, 5, 85, 90, 95, 175, 180, 185);
        using var labels = tensor(new long[] { 0, 0, 0, 1, 1, 1, 2, 2, 2 });
        using var queries = Points(10, 100, 170, 60) * 3;
        using var scores = new KnnClassifier(k: 3).Scores(bank, labels, queries, 3);
        Assert.Equal([0L, 1, 2, 1], scores.argmax(1).data<long>().ToArray());
    }

    [Fact]
    public void VotesAreWeightedByExpSimilarityOverTemperature()
    {
        // One neighbour of class 0 at similarity 1, two of class 1 at similarity 0.5: the weighted vote
        // exp(1/0.07) beats 2·exp(0.5/0.07), though class 1 has more neighbours.
        using var bank = Points(0, 60, -60);
        using var labels = tensor(new long[] { 0, 1, 1 });
        using var query = Points(0);
        using var scores = new KnnClassifier(k: 3, temperature: 0.07).Scores(bank, labels, query, 2);
        var votes = scores.data<float>().ToArray();
        Assert.Equal(Math.Exp(1 / 0.07), votes[0], Math.Exp(1 / 0.07) * 1e-5);
        Assert.Equal(2 * Math.Exp(0.5 / 0.07), votes[1], 2 * Math.Exp(0.5 / 0.07) * 1e-4);

        // With a high temperature the weights are nearly equal and the majority wins.
        using var flat = new KnnClassifier(k: 3, temperature: 100).Scores(bank, labels, query, 2);
        Assert.Equal(1L, flat.argmax(1).item<long>());
    }

    [Fact]
    public void AccuracyCountsTopOneTopFiveAndPerClass()
    {
        using var bank = Points(0, 90, 180, 270);
        using var bankSet = new FeatureSet(bank.clone(), [0, 1, 2, 3], ["a", "b", "c", "d"]);
        using var querySet = new FeatureSet(Points(1, 89, 181, 2), [0, 1, 2, 3], ["a", "b", "c", "d"]);
        var result = new KnnClassifier(k: 1).Evaluate(bankSet, querySet);
        Assert.Equal(0.75, result.Top1);
        Assert.Equal(1.0, result.Top5); // four classes: top-5 is top-4
        Assert.Equal([1, 1, 1, 0], result.PerClass.Select(c => c.Correct));
    }

    [Fact]
    public void KLargerThanTheBankIsRejected()
    {
        using var bank = Points(0, 90);
        using var labels = tensor(new long[] { 0, 1 });
        using var query = Points(0);
        var error = Assert.Throws<ArgumentException>(() => new KnnClassifier(k: 3).Scores(bank, labels, query, 2));
        Assert.Contains("larger than the memory bank", error.Message);
    }
}
