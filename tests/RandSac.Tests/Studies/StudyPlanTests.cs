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
        var results = new StudyResults { Study = "t" };
        void Add(string arm, double top1) => results.Records.Add(new StudyRecord
        {
            Arm = arm, Seed = 0, Kind = ArmKind.Pretrain, Folder = "f", Config = new PretrainConfig(),
            Accuracy = { [StudyMetric.Lin] = new MeasuredAccuracy(top1, 90, 10000, "r.json") },
        });
        Add("a", 50);
        Add("b", 48);
        Add("random", 30);
        var runs = StudyPlan.Replication(study, "/s", results);
        Assert.Equal(["a/seed-1", "b/seed-1"], runs.Select(r => r.Key));
    }

    [Fact]
    public void AClaimWithAnArmNotMeasuredYetIsNotReplicated()
    {
        var study = Study(new StudyReplication { Below = 3, Seeds = [1] });
        var results = new StudyResults { Study = "t" };
        results.Records.Add(new StudyRecord
        {
            Arm = "a", Seed = 0, Kind = ArmKind.Pretrain, Folder = "f", Config = new PretrainConfig(),
            Accuracy = { [StudyMetric.Lin] = new MeasuredAccuracy(50, 90, 10000, "r.json") },
        });
        Assert.Empty(StudyPlan.Replication(study, "/s", results));
    }
}
