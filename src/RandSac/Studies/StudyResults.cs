using System.Reflection;
using System.Text.Json;
using RandSac.Training;

namespace RandSac.Studies;

/// <summary>
/// The study's records (<c>study.json</c> in the study folder), rewritten atomically after every
/// finished stage so an interrupted study loses at most the stage that was running.
/// </summary>
public sealed class StudyResults
{
    public const string FileName = "study.json";

    public string Study { get; init; } = "";
    /// <summary>The study file of the latest invocation (each record holds its own resolved config).</summary>
    public string StudyFile { get; set; } = "";
    public List<StudyRecord> Records { get; init; } = [];

    public StudyRecord? Find(string arm, int seed) => Records.FirstOrDefault(r => r.Arm == arm && r.Seed == seed);

    /// <summary>The accuracies of an arm on a metric, one per seed that has it, in seed order.</summary>
    public IReadOnlyList<MeasuredAccuracy> Of(string arm, StudyMetric metric, IEnumerable<int>? seeds = null) => Records
        .Where(r => r.Arm == arm && (seeds is null || seeds.Contains(r.Seed)) && r.Accuracy.ContainsKey(metric))
        .OrderBy(r => r.Seed)
        .Select(r => r.Accuracy[metric])
        .ToList();

    public static StudyResults LoadOrCreate(string folder, string study, string studyFile)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return new StudyResults { Study = study, StudyFile = studyFile };
        try
        {
            var results = JsonSerializer.Deserialize<StudyResults>(File.ReadAllText(path), PretrainConfig.Json)
                          ?? throw new InvalidDataException($"{path}: empty");
            if (results.Study != study)
                throw new InvalidDataException($"{path} holds study '{results.Study}', not '{study}': choose another --out");
            results.StudyFile = studyFile;
            return results;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
    }

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, PretrainConfig.Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>This build's version with its git commit, e.g. <c>1.0.0+9b832a96…</c>.</summary>
    public static string BuildVersion { get; } =
        typeof(StudyResults).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
