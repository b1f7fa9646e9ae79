using RandSac.Training;

namespace RandSac.Studies;

/// <summary>One step of a study run, in the order they happen.</summary>
public enum StudyStage
{
    Pretrain,
    Linprobe,
    Knn,
    Finetune,
}

/// <summary>
/// One (arm, seed) of a study. A pre-trained arm has its own run folder; a baseline has none
/// and is drawn from the pre-training config of its <see cref="StudyArm.ShapeOf"/> arm at the
/// same seed (its shape and seed; no weights), with its records written in that arm's folder.
/// </summary>
public sealed record StudyRun(StudyArm Arm, int Seed, string CheckpointFolder, StudyStage[] Stages)
{
    public string Key => RunKey(Arm.Name, Seed);

    /// <summary>The step the checkpoint in <see cref="CheckpointFolder"/> has reached, which a pre-training continues from; null when there is none.</summary>
    public long? CheckpointStep() => Checkpoint.StepIn(Checkpoint.PathIn(CheckpointFolder));

    /// <summary>
    /// What an evaluation stage reads: the checkpoint, or for a baseline the run's config.json, so a
    /// baseline can run after the checkpoint is gone (it stays with the machine that trained it).
    /// </summary>
    public string EvaluatedFile => Arm.Kind == ArmKind.Pretrain
        ? Checkpoint.PathIn(CheckpointFolder)
        : Path.Combine(CheckpointFolder, PretrainConfig.FileInRun);

    public static string RunKey(string arm, int seed) => $"{arm}/seed-{seed}";
}

/// <summary>
/// The runs of a study in execution order: every selected arm at every seed, each baseline right
/// after the pre-trained arm whose run it is drawn from. A baseline selected without its
/// <see cref="StudyArm.ShapeOf"/> arm brings that arm's pre-training along.
/// </summary>
public static class StudyPlan
{
    /// <summary>Where the study keeps the run folder of a pre-trained arm.</summary>
    public static string RunFolder(string studyFolder, string arm, int seed) =>
        Path.Combine(studyFolder, "runs", arm, $"seed-{seed}");

    public static IReadOnlyList<StudyRun> Build(StudyDefinition study, string studyFolder, IEnumerable<int> seeds,
        IReadOnlyCollection<string>? only = null)
    {
        if (only is not null)
            foreach (var name in only)
                StudyFile.Arm(study, name);
        var selected = study.Arms.Where(a => only is null || only.Contains(a.Name)).ToList();
        var needed = selected.Where(a => a.Kind != ArmKind.Pretrain).Select(a => StudyFile.Arm(study, a.ShapeOf!)).ToList();
        var pretrained = study.Arms.Where(a => a.Kind == ArmKind.Pretrain && (selected.Contains(a) || needed.Contains(a)));
        var baselines = selected.Where(a => a.Kind != ArmKind.Pretrain).ToList();
        var runs = new List<StudyRun>();
        foreach (int seed in seeds)
        {
            foreach (var arm in pretrained)
            {
                var stages = new List<StudyStage> { StudyStage.Pretrain };
                if (selected.Contains(arm))
                {
                    stages.Add(StudyStage.Linprobe);
                    if (study.Evaluation.Knn is not null) stages.Add(StudyStage.Knn);
                    if (study.Evaluation.FinetuneArms.Contains(arm.Name)) stages.Add(StudyStage.Finetune);
                }
                runs.Add(new StudyRun(arm, seed, RunFolder(studyFolder, arm.Name, seed), [.. stages]));
                // Right after the arm whose run it is drawn from: the baselines calibrate the budget, so they come early.
                foreach (var baseline in baselines.Where(b => b.ShapeOf == arm.Name))
                {
                    StudyStage[] baselineStages = baseline.Kind == ArmKind.FromScratch
                        ? [StudyStage.Finetune]
                        : study.Evaluation.Knn is null ? [StudyStage.Linprobe] : [StudyStage.Linprobe, StudyStage.Knn];
                    runs.Add(new StudyRun(baseline, seed, RunFolder(studyFolder, arm.Name, seed), baselineStages));
                }
            }
        }
        return runs;
    }

    /// <summary>
    /// The replication seeds' runs: the arms of every counted claim whose difference, over all the
    /// seeds measured so far, is under <see cref="StudyReplication.Below"/> points, at the replication
    /// seeds. Over all seeds, a claim that comes out close once an arm it shares with another claim has
    /// its replication seeds brings its other arm too (<see cref="MoreReplication"/>). A claim not counted
    /// (an arm under the study's minimum gain, which more seeds at this budget cannot change) is not
    /// replicated; a claim with an arm not measured yet (another <c>--only</c>, or a failure) waits: how
    /// close it is, is not known.
    /// </summary>
    public static IReadOnlyList<StudyRun> Replication(StudyDefinition study, string studyFolder, StudyResults results,
        IReadOnlyCollection<string>? only = null)
    {
        if (study.Replicate is not { } replicate) return [];
        var arms = study.Claims
            .Where(c => ClaimVerdict.Judge(c, results) is { } v && Math.Abs(v.Difference) < replicate.Below
                        && RandomInitGain.WhyNotCounted(study, results, c) is null)
            .SelectMany(c => new[] { c.Better, c.Worse })
            .Where(name => only is null || only.Contains(name))
            .ToHashSet();
        if (arms.Count == 0) return [];
        return Build(study, studyFolder, replicate.Seeds, arms);
    }

    /// <summary>
    /// The replication runs not in <paramref name="planned"/> yet, which it then holds: the study runs
    /// these rounds until one adds nothing, so a run is planned once however the records move.
    /// </summary>
    public static IReadOnlyList<StudyRun> MoreReplication(StudyDefinition study, string studyFolder, StudyResults results,
        ISet<string> planned, IReadOnlyCollection<string>? only = null) =>
        Replication(study, studyFolder, results, only).Where(run => planned.Add(run.Key)).ToList();
}
