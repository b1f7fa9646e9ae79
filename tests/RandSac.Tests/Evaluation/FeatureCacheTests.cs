using RandSac.Data;
using RandSac.Evaluation;
using RandSac.Models;
using RandSac.Tests.Cli;
using RandSac.Training;

namespace RandSac.Tests.Evaluation;

public sealed class FeatureCacheTests(TinyRun run) : IClassFixture<TinyRun>
{
    [Fact]
    public void TheSecondRequestReadsTheSavedFeatures()
    {
        var spec = new DatasetSpec { Kind = DatasetKind.Synthetic, ImageSize = 16, SyntheticCount = 20 };
        using var dataset = spec.Open(DataSplit.Test);
        using var encoder = EvaluationEncoder.RandomInit(new ViTConfig(32, 1, 2, 4, 3, 16, 16), 3);
        var cache = new FeatureCache(Path.Combine(run.Root, "cache"), "random-init seed 3");
        using var first = cache.Get(encoder, dataset, spec, DataSplit.Test, 8);
        Assert.True(File.Exists(cache.PathFor(dataset, spec, DataSplit.Test, encoder.Config)));
        using var second = cache.Get(encoder, dataset, spec, DataSplit.Test, 8);
        Assert.True(TensorAssert.Same(first.Features, second.Features));
        Assert.Equal(first.Labels, second.Labels);

        var other = new FeatureCache(Path.Combine(run.Root, "cache"), "random-init seed 4");
        Assert.NotEqual(cache.PathFor(dataset, spec, DataSplit.Test, encoder.Config), other.PathFor(dataset, spec, DataSplit.Test, encoder.Config));
    }

    [Fact]
    public void ADamagedCacheFileIsRecomputedWithANote()
    {
        var spec = new DatasetSpec { Kind = DatasetKind.Synthetic, ImageSize = 16, SyntheticCount = 20 };
        using var dataset = spec.Open(DataSplit.Test);
        using var encoder = EvaluationEncoder.RandomInit(new ViTConfig(32, 1, 2, 4, 3, 16, 16), 3);
        var cache = new FeatureCache(Path.Combine(run.Root, "cache-damaged"), "random-init seed 3");
        using var computed = cache.Get(encoder, dataset, spec, DataSplit.Test, 8);
        string path = cache.PathFor(dataset, spec, DataSplit.Test, encoder.Config);
        var file = SafetensorsBytes.Of(File.ReadAllBytes(path));
        File.WriteAllBytes(path, file.WithBytes(b => b[file.OffsetOf("features") + 5] ^= 0x40));

        var phases = new PhaseLog();
        using var recomputed = cache.Get(encoder, dataset, spec, DataSplit.Test, 8, phases);
        Assert.True(TensorAssert.Same(computed.Features, recomputed.Features));
        var phase = Assert.Single(phases.Phases);
        Assert.Contains($"recomputed: {path}: tensor 'features' is damaged", phase);

        phases = new PhaseLog();
        using var cached = cache.Get(encoder, dataset, spec, DataSplit.Test, 8, phases);
        Assert.Equal("features (cached)", Assert.Single(phases.Phases));
    }

    sealed class PhaseLog : IEvaluationObserver
    {
        public List<string> Phases { get; } = [];
        public void OnPhase(string phase, long total) => Phases.Add(phase);
        public void OnProgress(long done, string? status = null) { }
        public void OnSchedule(string phase, LearningRateSchedule schedule) { }
    }

    [Fact]
    public void KnnReusesTheLinearProbesFeaturesOfTheSameEncoderOnly()
    {
        var (code, _, error) = TinyRun.Cli("linprobe", "--checkpoint", run.Folder, "--threads", "1", "--epochs", "1", "--batch", "16");
        Assert.True(code == 0, error);
        var (_, output, _) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--threads", "1");
        Assert.Contains("train features (cached)", output);
        Assert.Contains("test features (cached)", output);

        (_, output, _) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--threads", "1", "--random-init");
        Assert.DoesNotContain("(cached)", output);
        (_, output, _) = TinyRun.Cli("knn", "--checkpoint", run.Folder, "--threads", "1", "--no-feature-cache");
        Assert.DoesNotContain("(cached)", output);
    }
}
