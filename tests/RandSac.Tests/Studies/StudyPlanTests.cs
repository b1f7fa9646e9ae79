using RandSac.Studies;
using RandSac.Training;

namespace RandSac.Tests.Studies;

public class StudyPlanTests
{
    static StudyDefinition Study(StudyReplication? replicate = null) => new()
    {
        Name = "t",
        Base = [],
        Budget = new() { ["epochs"] = 1 },
        Seeds = [0],
        Replicate = replicate,
        Evaluation = new StudyEvaluation { Knn = null, FinetuneArms = ["b", "scratch"] },
        Arms =
        [
            new StudyArm { Name = "a" },
            new StudyArm { Name = "b", Overrides = new() { ["segments"] = "patch" } },
            new StudyArm { Name = "random", Kind = ArmKind.RandomInit, ShapeOf = "a" },
            new StudyArm { Name = "scratch", Kind = ArmKind.FromScratch, ShapeOf = "b" },
        ],
        Claims =
        [
            new StudyClaim { Id = "close", Statement = "a ≥ b", Better = "a", Worse = "b" },
            new StudyClaim { Id = "far", Statement = "a ≥ random", Better = "a", Worse = "random" },
        ],
    };

    [Fact]
    public void EveryArmAtEverySeedWithEachBaselineRightAfterTheArmItNeeds()
    {
        var runs = StudyPlan.Build(Study(), "/s", [0, 1]);
        Assert.Equal(["a/seed-0", "random/seed-0", "b/seed-0", "scratch/seed-0", "a/seed-1", "random/seed-1", "b/seed-1", "scratch/seed-1"],
            runs.Select(r => r.Key));
        Assert.Equal([StudyStage.Pretrain, StudyStage.Linprobe], runs[0].Stages);
        Assert.Equal([StudyStage.Pretrain, StudyStage.Linprobe, StudyStage.Finetune], runs[2].Stages);
        Assert.Equal([StudyStage.Linprobe], runs[1].Stages);
        Assert.Equal([StudyStage.Finetune], runs[3].Stages);
        Assert.Equal(Path.Combine("/s", "runs", "a", "seed-0"), runs[1].CheckpointFolder);
        Assert.Equal(Path.Combine("/s", "runs", "b", "seed-1"), runs[7].CheckpointFolder);
    }

    [Fact]
    public void ABaselineAloneBringsThePretrainingOfItsShapeButNotItsEvaluations()
    {
        var runs = StudyPlan.Build(Study(), "/s", [0], only: ["random"]);
        Assert.Equal(["a/seed-0", "random/seed-0"], runs.Select(r => r.Key));
        Assert.Equal([StudyStage.Pretrain], runs[0].Stages);
    }

    [Fact]
    public void ReplicationRunsTheArmsOfCloseClaimsOnly()
    {
        var study = Study(new StudyReplication { Below = 3, Seeds = [1] });
        var results = LinRecords(("a", 0, 50), ("b", 0, 48), ("random", 0, 30));
        var runs = StudyPlan.Replication(study, "/s", results);
        Assert.Equal(["a/seed-1", "b/seed-1"], runs.Select(r => r.Key));
    }

    [Fact]
    public void AClaimThatComesOutCloseOverAllSeedsIsReplicatedOnceAndOnlyOnce()
    {
        var study = Study(new StudyReplication { Below = 3, Seeds = [1] });
        var results = LinRecords(("a", 0, 50), ("b", 0, 46.5), ("random", 0, 30));
        var planned = new HashSet<string>();
        Assert.Empty(StudyPlan.MoreReplication(study, "/s", results, planned));

        // a's second seed (replicated for another claim) brings a − b to 2.5 points over both seeds.
        results.Records.Add(LinRecord("a", 1, 48));
        Assert.Equal(["a/seed-1", "b/seed-1"], StudyPlan.MoreReplication(study, "/s", results, planned).Select(r => r.Key));
        Assert.Empty(StudyPlan.MoreReplication(study, "/s", results, planned));
        Assert.Equal(["a/seed-1", "b/seed-1"], StudyPlan.Replication(study, "/s", results).Select(r => r.Key));
    }

    [Fact]
    public void AClaimNotCountedIsNotReplicated()
    {
        var study = Study(new StudyReplication { Below = 3, Seeds = [1] }) with { MinimumGain = 8 };
        var results = LinRecords(("a", 0, 50), ("b", 0, 48), ("random", 0, 45));
        Assert.NotNull(RandomInitGain.WhyNotCounted(study, results, study.Claims[0]));
        Assert.Empty(StudyPlan.Replication(study, "/s", results));

        results.Records[results.Records.FindIndex(r => r.Arm == "random")] = LinRecord("random", 0, 30);
        Assert.Equal(["a/seed-1", "b/seed-1"], StudyPlan.Replication(study, "/s", results).Select(r => r.Key));
    }

    /// <summary>Records that hold only a linear probe's top-1, one per (arm, seed).</summary>
    static StudyResults LinRecords(params (string Arm, int Seed, double Top1)[] probes)
    {
        var results = new StudyResults { Study = "t" };
        foreach (var (arm, seed, top1) in probes) results.Records.Add(LinRecord(arm, seed, top1));
        return results;
    }

    static StudyRecord LinRecord(string arm, int seed, double top1) => new()
    {
        Arm = arm, Seed = seed, Kind = ArmKind.Pretrain, Folder = "f", Config = new PretrainConfig(),
        Accuracy = { [StudyMetric.Lin] = new MeasuredAccuracy(top1, 90, 10000, "r.json") },
    };

    [Fact]
    public void AClaimWithAnArmNotMeasuredYetIsNotReplicated()
    {
        var study = Study(new StudyReplication { Below = 3, Seeds = [1] });
        var results = LinRecords(("a", 0, 50));
        Assert.Empty(StudyPlan.Replication(study, "/s", results));
    }
}
