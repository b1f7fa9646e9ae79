using RandSac.Models;
using RandSac.Plans;
using TorchSharp;
using static TorchSharp.torch;
using static RandSac.Tests.Models.ModelTestKit;

namespace RandSac.Tests.Models;

/// <summary>
/// The property that must hold: changing the pixels of the segment of rank k changes
/// no prediction for a target of rank ≤ k, and changes every later one; other images are untouched.
/// </summary>
[Collection(TorchGlobalState.Name)]
public class CausalityTests
{
    const double Unchanged = 1e-9;
    const double Changed = 1e-6;

    static Pretrainer Build(string method, bool skip, int seed)
    {
        torch.manual_seed(seed);
        Pretrainer model = method switch
        {
            "randsac" => new RandSacModel(Tiny(), TinyDecoder, skip),
            "two-stream" => new TwoStreamModel(Tiny()),
            _ => throw new ArgumentException(method),
        };
        Float64(model);
        if (model is RandSacModel { SkipWeight: { } w })
            using (no_grad())
                w.copy_(randn(w.shape, dtype: w.dtype)); // every encoder layer feeds every decoder layer
        return model;
    }

    static Tensor Predict(Pretrainer model, SegmentPlan plan, Tensor images)
    {
        using var noGrad = no_grad();
        return model.Forward(images, PretrainBatchInputs.ForPlan(plan), normPixLoss: true).Prediction;
    }

    /// <summary>Every way the property fails for a perturbation of image 0's segment of rank k.</summary>
    static List<string> Violations(Pretrainer model, SegmentPlan plan, Tensor images, Tensor before, int rank)
    {
        using var scope = NewDisposeScope();
        var segment = plan.Images[0].RankOfToken.Select((r, t) => (r, t)).Where(x => x.r == rank).Select(x => x.t).ToArray();
        var after = Predict(model, plan, Perturb(images, model.Encoder.Config.PatchSize, 0, segment, seed: 1234 + rank));
        var change = (after - before).abs().amax([-1L]).data<double>().ToArray(); // (B, Ld) row-major

        var problems = new List<string>();
        var ranks = Longs(plan.DecoderRanks);
        int length = (int)plan.DecoderRanks.shape[1];
        bool lastSegment = rank == plan.Images[0].SegmentCount - 1;
        for (int b = 0; b < plan.BatchSize; b++)
            for (int i = 0; i < length; i++)
            {
                long targetRank = ranks[b * length + i];
                double delta = change[b * length + i];
                if (b == 0 && targetRank < 0) continue; // a pad row of the perturbed image predicts nothing
                if (b != 0)
                {
                    if (delta > Unchanged) problems.Add($"image {b} row {i} (rank {targetRank}) changed by {delta}");
                }
                else if (targetRank <= rank && delta > Unchanged)
                    problems.Add($"target of rank {targetRank} changed by {delta} after perturbing rank {rank}");
                else if (targetRank > rank && !lastSegment && delta <= Changed)
                    problems.Add($"target of rank {targetRank} did not change after perturbing rank {rank}");
            }
        return problems;
    }

    static void AssertCausal(Pretrainer model, SegmentPlan plan, int seed)
    {
        using var scope = NewDisposeScope();
        var images = Images(plan.BatchSize, model.Encoder.Config, seed);
        var before = Predict(model, plan, images);
        int segments = plan.Images[0].SegmentCount;
        foreach (int rank in new[] { 0, 1, segments / 2, segments - 2, segments - 1 }.Distinct())
        {
            var problems = Violations(model, plan, images, before, rank);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
        }
    }

    [Theory]
    [InlineData("randsac", true, "square:2", "hier:4")]
    [InlineData("randsac", false, "square:2", "hier:4")]
    [InlineData("randsac", true, "square:2", "random")]
    [InlineData("randsac", true, "patch", "random")]
    [InlineData("two-stream", false, "square:2", "hier:4")]
    [InlineData("two-stream", false, "patch", "random")]
    public void SquaresAreSegmentCausal(string method, bool skip, string segments, string order)
    {
        var model = Build(method, skip, seed: 7);
        using var plan = Plan(model.Encoder.Config, segments, order, batch: 2, seed: 11);
        Assert.True(plan.SharesMasks);
        AssertCausal(model, plan, seed: 3);
    }

    [Theory]
    [InlineData("randsac", true)]
    [InlineData("randsac", false)]
    [InlineData("two-stream", false)]
    public void BlobsWithPaddingAreSegmentCausal(string method, bool skip)
    {
        var model = Build(method, skip, seed: 8);
        for (int seed = 0; seed < 2; seed++)
        {
            using var plan = Plan(model.Encoder.Config, "blob:5", "random", batch: 3, seed: 20 + seed);
            Assert.False(plan.SharesMasks); // ragged: the padded path is what is under test
            Assert.NotNull(plan.DecoderValid);
            AssertCausal(model, plan, seed: 5 + seed);
        }
    }

    [Theory]
    [InlineData("randsac", true, "cross")]
    [InlineData("randsac", false, "cross")]
    [InlineData("randsac", true, "encoder")]
    [InlineData("randsac", false, "decoder-self")]
    [InlineData("two-stream", false, "cross")]
    [InlineData("two-stream", false, "encoder")]
    public void TheCheckCatchesABrokenMask(string method, bool skip, string broken)
    {
        var model = Build(method, skip, seed: 9);
        using var plan = Plan(model.Encoder.Config, "square:2", "hier:4", batch: 2, seed: 12);
        using var bad = Break(plan, broken);
        var images = Images(2, model.Encoder.Config, seed: 4);
        var before = Predict(model, bad, images);
        int segments = plan.Images[0].SegmentCount;
        Assert.Contains(Enumerable.Range(0, segments), rank => Violations(model, bad, images, before, rank).Count > 0);
    }

    /// <summary>The plan with one mask loosened by one rank: non-strict cross, or rank+1 visible to self-attention.</summary>
    static SegmentPlan Break(SegmentPlan plan, string which)
    {
        var er = plan.EncoderRanks[0];
        var dr = plan.DecoderRanks[0];
        Tensor Allowed(Tensor queryRanks, Tensor keyRanks, long slack) =>
            (keyRanks.unsqueeze(0) <= queryRanks.unsqueeze(1) + slack).unsqueeze(0).unsqueeze(0);
        var encoder = which == "encoder" ? Allowed(er, er, 1) : plan.EncoderMask.clone();
        var decoderSelf = which == "decoder-self" ? Allowed(dr, dr, 1) : plan.DecoderSelfMask.clone();
        var cross = which == "cross" ? Allowed(dr, er, 0) : plan.CrossMask.clone();
        return new SegmentPlan(plan.Images, plan.EncoderTokens.clone(), plan.DecoderTokens.clone(),
            plan.EncoderRanks.clone(), plan.DecoderRanks.clone(), encoder, decoderSelf, cross, null, null);
    }
}
