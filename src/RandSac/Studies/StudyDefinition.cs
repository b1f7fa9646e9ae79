using System.Text.Json.Nodes;

namespace RandSac.Studies;

/// <summary>
/// A study file (<c>configs/studies/*.json</c>): a base pre-training config, one budget for
/// every arm, the seeds, the evaluation protocol, the arms (overrides of the base with the
/// paper's numbers) and the claims that compare them. Keys are kebab-case, as in
/// <c>pretrain --config</c>; <see cref="StudyFile"/> reads and checks it.
/// </summary>
public sealed record StudyDefinition
{
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>Pre-training settings shared by every arm (the keys of <c>pretrain --config</c>).</summary>
    public required JsonObject Base { get; init; }

    /// <summary>Settings every pre-trained arm gets alike, so arms may not override them.</summary>
    public required JsonObject Budget { get; init; }

    public int[] Seeds { get; init; } = [0];

    /// <summary>More seeds for the arms of claims that came out close; null for none.</summary>
    public StudyReplication? Replicate { get; init; }

    public StudyEvaluation Evaluation { get; init; } = new();

    /// <summary>
    /// The LIN points every pre-trained arm must gain over random initialisation of its encoder's
    /// shape for the budget to say anything about it (<see cref="RandomInitGain"/>); a claim with
    /// an arm under it is reported but not counted. Null for no such rule.
    /// </summary>
    public double? MinimumGain { get; init; }

    public required StudyArm[] Arms { get; init; }
    public StudyClaim[] Claims { get; init; } = [];
}

/// <summary>
/// After the first seeds, every arm of a claim whose measured difference is under
/// <see cref="Below"/> points is also run with <see cref="Seeds"/>.
/// </summary>
public sealed record StudyReplication
{
    public double Below { get; init; } = 3.0;
    public required int[] Seeds { get; init; }
}

/// <summary>
/// How each run is judged: flags of <c>randsac linprobe</c> (the primary number), <c>knn</c>
/// (a monitor; null to skip) and <c>finetune</c> (only for <see cref="FinetuneArms"/>).
/// </summary>
public sealed record StudyEvaluation
{
    public JsonObject Linprobe { get; init; } = [];
    public JsonObject? Knn { get; init; } = [];
    public JsonObject Finetune { get; init; } = [];
    public string[] FinetuneArms { get; init; } = [];
}

/// <summary>What an arm is: pre-trained with its overrides, or a baseline without pre-training.</summary>
public enum ArmKind
{
    /// <summary>Pre-trained with the base config and the arm's overrides.</summary>
    Pretrain,

    /// <summary>The encoder of <see cref="StudyArm.ShapeOf"/> at random initialisation (linear probe and kNN).</summary>
    RandomInit,

    /// <summary>Supervised training from random initialisation, shaped as <see cref="StudyArm.ShapeOf"/> (fine-tuning).</summary>
    FromScratch,
}

public sealed record StudyArm
{
    public required string Name { get; init; }
    public ArmKind Kind { get; init; } = ArmKind.Pretrain;

    /// <summary>Settings that differ from the base (pre-trained arms only).</summary>
    public JsonObject Overrides { get; init; } = [];

    /// <summary>For baselines: the pre-trained arm whose encoder shape (and run folder) they use.</summary>
    public string? ShapeOf { get; init; }

    public PaperResult? Paper { get; init; }
}

/// <summary>The paper's numbers for an arm: its table and top-1 (%) by linear probe and fine-tuning.</summary>
public sealed record PaperResult
{
    public required string Table { get; init; }
    public double? Lin { get; init; }
    public double? Ft { get; init; }
}

/// <summary>The measure a claim compares.</summary>
public enum StudyMetric
{
    Lin,
    Knn,
    Ft,
}

/// <summary>"<see cref="Better"/> beats <see cref="Worse"/>" on <see cref="Metric"/>, as the paper's table says.</summary>
public sealed record StudyClaim
{
    public required string Id { get; init; }
    public required string Statement { get; init; }
    public required string Better { get; init; }
    public required string Worse { get; init; }
    public StudyMetric Metric { get; init; } = StudyMetric.Lin;
    public string? Table { get; init; }

    /// <summary>
    /// The paper's difference, when it does not follow from the two arms' paper numbers (e.g. it
    /// comes from another table than the arms'); otherwise null.
    /// </summary>
    public double? PaperDifference { get; init; }
}
