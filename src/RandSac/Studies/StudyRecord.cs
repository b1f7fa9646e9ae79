using RandSac.Training;

namespace RandSac.Studies;

/// <summary>
/// What a study knows of one (arm, seed): the resolved config, the file its evaluations read
/// (SHA-256: the checkpoint, or for a baseline its shape-of run's config.json), the build that
/// ran it, wall times and every accuracy, each with the evaluation record it came from.
/// </summary>
public sealed record StudyRecord
{
    public required string Arm { get; init; }
    public required int Seed { get; init; }
    public required ArmKind Kind { get; init; }

    /// <summary>The run folder: the arm's own, or for a baseline its shape-of arm's.</summary>
    public required string Folder { get; init; }

    /// <summary>The pre-training config (for a baseline: of the arm whose shape it has).</summary>
    public required PretrainConfig Config { get; init; }

    public string? CheckpointSha256 { get; set; }
    public long? CheckpointStep { get; set; }
    public double? FinalLoss { get; set; }

    /// <summary>The build (version and git commit) that ran each stage.</summary>
    public Dictionary<StudyStage, string> Build { get; init; } = [];

    /// <summary>The build that started each stage: an interrupted stage is only continued by the same build.</summary>
    public Dictionary<StudyStage, string> StartedBy { get; init; } = [];

    public Dictionary<StudyStage, double> WallSeconds { get; init; } = [];
    public Dictionary<StudyMetric, MeasuredAccuracy> Accuracy { get; init; } = [];

    public bool Done(StudyStage stage) => WallSeconds.ContainsKey(stage);
}

/// <summary>A top-1/top-5 (%) on a test split of <see cref="TestImages"/> images, and the record file it was read from.</summary>
public sealed record MeasuredAccuracy(double Top1, double Top5, int TestImages, string Record);
