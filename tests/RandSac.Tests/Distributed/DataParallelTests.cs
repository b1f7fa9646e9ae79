using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Distributed;
using RandSac.Models;
using RandSac.Plans;
using RandSac.Tests.Models;
using RandSac.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Tests.Distributed;

/// <summary>What makes R ranks × B/R images train like one process × B: slicing, weighting, agreement.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class DataParallelTests
{
    static BatchRequest Request(int batch = 8) =>
        new BatchLoader<int>(64, batch, shuffle: true, dropLast: true, seed: 3, _ => 0).Request(epoch: 1, batchIndex: 2);

    [Fact]
    public void SlicesOfABatchAreTheBatchInOrderWithTheSameSampleSeeds()
    {
        var whole = Request();
        var slices = Enumerable.Range(0, 4).Select(r => whole.Slice(r, 4)).ToList();
        Assert.Equal(whole.Indices, slices.SelectMany(s => s.Indices));
        Assert.Equal(Enumerable.Range(0, 8).Select(whole.SampleSeed), slices.SelectMany(s => Enumerable.Range(0, 2).Select(s.SampleSeed)));
        Assert.Equal([0, 2, 4, 6], slices.Select(s => s.FirstPosition));
    }

    [Fact]
    public void AugmentedImagesOfASliceAreThoseOfTheWholeBatch()
    {
        using var dataset = new DatasetSpec { Kind = DatasetKind.Synthetic, ImageSize = 16, SyntheticCount = 64 }.Open(DataSplit.Train);
        var preparer = new ImageBatchPreparer(dataset, AugmentationOptions.Pretrain);
        var whole = Request();
        using var all = preparer.Prepare(whole);
        using var second = preparer.Prepare(whole.Slice(1, 2));
        Assert.True(TensorAssert.Same(all.Images.narrow(0, 4, 4), second.Images));
    }

    [Fact]
    public void PlansAndMasksOfASliceAreThoseOfTheWholeBatch()
    {
        var sampler = PlanSampler.Parse("blob:4", "random", new RandSac.Segments.TokenGrid(8, 8));
        using var all = sampler.SampleBatch(6, seed: 11);
        using var tail = sampler.SampleBatch(3, seed: 11, firstPosition: 3);
        for (int i = 0; i < 3; i++) Assert.Equal(all.Images[3 + i].RankOfToken, tail.Images[i].RankOfToken);

        var masks = new MaeMaskSampler(64);
        using var allMasks = masks.SampleMask(6, seed: 11);
        using var tailMasks = masks.SampleMask(3, seed: 11, firstPosition: 3);
        Assert.True(TensorAssert.Same(allMasks.Visible.narrow(0, 3, 3), tailMasks.Visible));
    }

    [Fact]
    public void WeightingSlicesByLossTermsGivesTheWholeBatchsLoss()
    {
        var config = ModelTestKit.Tiny();
        manual_seed(0);
        using var model = ModelTestKit.Float64(new RandSacModel(config, ModelTestKit.TinyDecoder, skip: true));
        var sampler = new SegmentPlanInputSampler(PlanSampler.Parse("blob:4", "random", config.Grid));
        using var images = ModelTestKit.Images(4, config, seed: 1);
        using var whole = sampler.Sample(4, seed: 2);
        using var first = sampler.Sample(2, seed: 2, firstPosition: 0);
        using var second = sampler.Sample(2, seed: 2, firstPosition: 2);
        using var _ = no_grad();
        double loss = model.Forward(images, whole, normPixLoss: true).Loss.item<double>();
        double loss1 = model.Forward(images.narrow(0, 0, 2), first, normPixLoss: true).Loss.item<double>();
        double loss2 = model.Forward(images.narrow(0, 2, 2), second, normPixLoss: true).Loss.item<double>();
        long n1 = first.LossTerms(), n2 = second.LossTerms();

        Assert.Equal(whole.LossTerms(), n1 + n2);
        Assert.NotEqual(n1, n2); // the slices hold different numbers of targets, so the weighting matters
        Assert.Equal(loss, (n1 * loss1 + n2 * loss2) / (n1 + n2), 12);
        Assert.True(Math.Abs(loss - (loss1 + loss2) / 2) > 1e-6, "a plain mean of the slices' losses would do as well");

        // The shares DataParallel gives rank 0 (n1 terms) and rank 1 (n2 terms) are that weighting, times the world size.
        var rank0 = new DataParallel(new FakeWorld(2, [n2, 0], []));
        Assert.Equal(2.0 * n1 / (n1 + n2), rank0.LossShare(() => n1), 15);
    }

    [Fact]
    public void EqualSlicesShareExactlyOne()
    {
        var parallel = new DataParallel(new FakeWorld(4, [96], []));
        Assert.Equal(1.0, parallel.LossShare(() => 32));
        Assert.Equal(1.0, DataParallel.Single.LossShare(() => throw new InvalidOperationException("one process needs no count")));
    }

    [Fact]
    public void AnyRanksStopRequestStopsEveryRank()
    {
        var parallel = new DataParallel(new FakeWorld(2, [0.75, 1], []));
        Assert.Equal((1.25, true), parallel.EndStep(0.5, stopRequested: false));
    }

    [Fact]
    public void ABatchThatDoesNotSplitEvenlyIsRefused()
    {
        var parallel = new DataParallel(new FakeWorld(3, [], []));
        Assert.Equal("--batch 64 does not split evenly over 3 ranks; use a multiple of 3",
            Assert.Throws<ArgumentException>(() => parallel.LocalBatch(64)).Message);
        Assert.Equal(21, parallel.LocalBatch(63));
        Assert.Throws<ArgumentException>(() => Request().Slice(0, 3));
    }

    [Fact]
    public void ReplicasWithOtherWeightsAreNamed()
    {
        using var weight = new TorchSharp.Modules.Parameter(tensor(new float[] { 1f, -2f, 0.5f }));
        using var flat = FlatParameters.Adopt([("w", weight)]);
        long checksum = ParameterChecksum.Of([flat]);

        new DataParallel(new FakeWorld(3, [], [checksum, checksum])).VerifyReplicas(7, [flat]);
        var e = Assert.Throws<ReplicaDivergenceException>(() =>
            new DataParallel(new FakeWorld(3, [], [checksum, checksum + 1])).VerifyReplicas(7, [flat]));
        Assert.StartsWith("the model replicas diverged by step 7: the weights of rank 2 differ from rank 0's", e.Message);
    }

    [Fact]
    public void TheChecksumSeesOneFlippedBit()
    {
        using var weight = new TorchSharp.Modules.Parameter(tensor(new float[] { 1f, -2f, 0.5f }));
        using var flat = FlatParameters.Adopt([("w", weight)]);
        long before = ParameterChecksum.Of([flat]);
        Assert.Equal(before, ParameterChecksum.Of([flat]));
        using (no_grad()) flat.Values[2] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(0.5f) ^ 1);
        Assert.NotEqual(before, ParameterChecksum.Of([flat]));
    }
}
