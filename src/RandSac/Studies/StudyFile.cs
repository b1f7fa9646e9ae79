using System.Text.Json;
using System.Text.Json.Nodes;
using RandSac.Orders;
using RandSac.Segments;
using RandSac.Settings;
using RandSac.Training;

namespace RandSac.Studies;

/// <summary>
/// Reads a study file and checks everything that can be checked before hours of compute:
/// unknown keys, arms overriding unknown settings or the budget, duplicate or missing arms,
/// claims naming missing arms, and every arm's resolved pre-training config. Errors are one
/// line naming the file and the problem (<see cref="InvalidDataException"/>).
/// </summary>
public static class StudyFile
{
    static readonly JsonSerializerOptions Json = new(PretrainConfig.Json) { WriteIndented = false };

    public static StudyDefinition Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"study file {path} does not exist");
        StudyDefinition study;
        try
        {
            study = JsonSerializer.Deserialize<StudyDefinition>(File.ReadAllText(path), Json)
                    ?? throw new InvalidDataException($"{path}: empty study file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
        Check(study, path);
        return study;
    }

    /// <summary>
    /// The pre-training config of a pre-trained arm: the base, then the arm's overrides, then the
    /// budget, with the run's seed and (when given) the data folder.
    /// </summary>
    public static PretrainConfig Resolve(StudyDefinition study, StudyArm arm, int seed, string? dataPath = null)
    {
        if (arm.Kind != ArmKind.Pretrain) throw new ArgumentException($"arm '{arm.Name}' is a baseline and is not pre-trained");
        var merged = (JsonObject)study.Base.DeepClone();
        JsonMerge.Overlay(merged, arm.Overrides);
        JsonMerge.Overlay(merged, study.Budget);
        merged["seed"] = seed;
        if (dataPath is not null)
        {
            var dataset = merged["dataset"] as JsonObject ?? [];
            dataset["path"] = dataPath;
            merged["dataset"] = dataset;
        }
        return merged.Deserialize<PretrainConfig>(PretrainConfig.Json)!;
    }

    public static StudyArm Arm(StudyDefinition study, string name) =>
        study.Arms.FirstOrDefault(a => a.Name == name) ?? throw new ArgumentException($"study {study.Name} has no arm '{name}'");

    static void Check(StudyDefinition study, string path)
    {
        void Require(bool condition, string message)
        {
            if (!condition) throw new InvalidDataException($"{path}: {message}");
        }

        Require(study.Arms.Length > 0, "the study has no arms");
        Require(study.Seeds.Length > 0 && study.Seeds.Distinct().Count() == study.Seeds.Length, "seeds must be a non-empty list without repeats");
        if (study.Replicate is { } replicate)
            Require(replicate.Seeds.Length > 0 && !replicate.Seeds.Intersect(study.Seeds).Any() && replicate.Below > 0,
                "replicate needs seeds not among the study's seeds and a positive 'below'");

        var known = new HashSet<string>(JsonSerializer.SerializeToNode(new PretrainConfig(), PretrainConfig.Json)!.AsObject()
            .Select(p => p.Key));
        CheckKeys(study.Base, known, "base", path);
        CheckKeys(study.Budget, known, "budget", path);
        Require(study.Budget.Count > 0, "the budget is empty: give at least the epochs every arm trains for");
        Require(!study.Base.ContainsKey("seed") && !study.Budget.ContainsKey("seed"), "seeds come from 'seeds', not from the base or the budget");

        var names = new HashSet<string>();
        foreach (var arm in study.Arms)
        {
            Require(!string.IsNullOrWhiteSpace(arm.Name) && arm.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'),
                $"arm name '{arm.Name}' must be letters, digits, '-', '_' or '.' (it names a folder)");
            Require(names.Add(arm.Name), $"two arms are named '{arm.Name}'");
        }
        foreach (var arm in study.Arms)
        {
            string where = $"arm '{arm.Name}'";
            if (arm.Kind == ArmKind.Pretrain)
            {
                Require(arm.ShapeOf is null, $"{where}: 'shape-of' is only for baselines");
                CheckKeys(arm.Overrides, known, where + " overrides", path);
                foreach (var key in arm.Overrides.Select(p => p.Key))
                    Require(!study.Budget.ContainsKey(key) && key != "seed",
                        $"{where} overrides '{key}', which the budget (or 'seeds') sets for every arm alike");
                try
                {
                    var config = Resolve(study, arm, study.Seeds[0]).Validated();
                    SegmenterSpec.Parse(config.Segments);
                    OrderSpec.Parse(config.Order);
                }
                catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
                {
                    throw new InvalidDataException($"{path}: {where}: {e.Message}");
                }
            }
            else
            {
                Require(arm.Overrides.Count == 0, $"{where}: a baseline has no overrides (it uses the shape of 'shape-of')");
                Require(arm.ShapeOf is not null, $"{where}: a {Kebab(arm.Kind)} baseline needs 'shape-of', the pre-trained arm whose encoder shape it uses");
                Require(names.Contains(arm.ShapeOf!) && Arm(study, arm.ShapeOf!).Kind == ArmKind.Pretrain,
                    $"{where}: 'shape-of' names '{arm.ShapeOf}', which is not a pre-trained arm of this study");
            }
        }
        if (study.MinimumGain is { } minimum)
        {
            Require(double.IsFinite(minimum) && minimum > 0, $"minimum-gain must be a positive number of LIN points, got {minimum}");
            foreach (var arm in study.Arms.Where(a => a.Kind == ArmKind.Pretrain))
                Require(RandomInitGain.BaselineOf(study, arm) is not null,
                    $"minimum-gain needs a random-init baseline of arm '{arm.Name}''s encoder shape: add {{ \"name\": \"random-init-{arm.Name}\", \"kind\": \"random-init\", \"shape-of\": \"{arm.Name}\" }}");
        }
        foreach (var name in study.Evaluation.FinetuneArms)
            Require(names.Contains(name), $"evaluation: finetune-arms names '{name}', which is not an arm of this study");
        foreach (var arm in study.Arms.Where(a => a.Kind == ArmKind.FromScratch))
            Require(study.Evaluation.FinetuneArms.Contains(arm.Name), $"arm '{arm.Name}' is judged by fine-tuning only: list it in evaluation.finetune-arms");

        var ids = new HashSet<string>();
        foreach (var claim in study.Claims)
        {
            Require(ids.Add(claim.Id), $"two claims have the id '{claim.Id}'");
            foreach (var side in new[] { claim.Better, claim.Worse })
                Require(names.Contains(side), $"claim {claim.Id} names arm '{side}', which the study does not have");
            Require(claim.Better != claim.Worse, $"claim {claim.Id} compares arm '{claim.Better}' with itself");
            foreach (var side in new[] { claim.Better, claim.Worse })
            {
                var arm = Arm(study, side);
                bool measured = claim.Metric switch
                {
                    StudyMetric.Ft => study.Evaluation.FinetuneArms.Contains(side),
                    StudyMetric.Knn => study.Evaluation.Knn is not null && arm.Kind != ArmKind.FromScratch,
                    _ => arm.Kind != ArmKind.FromScratch,
                };
                Require(measured, $"claim {claim.Id} compares {Kebab(claim.Metric)} of arm '{side}', which the study does not measure");
            }
        }
    }

    static void CheckKeys(JsonObject settings, HashSet<string> known, string where, string path)
    {
        foreach (var (key, _) in settings)
            if (!known.Contains(key))
                throw new InvalidDataException($"{path}: {where}: unknown setting '{key}' (settings are the keys of pretrain --config, e.g. segments, order, epochs)");
    }

    public static string Kebab<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
