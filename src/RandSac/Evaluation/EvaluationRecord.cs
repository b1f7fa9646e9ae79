using System.Security.Cryptography;
using System.Text.Json;
using RandSac.Data;
using RandSac.Training;

namespace RandSac.Evaluation;

/// <summary>
/// The JSON result of an evaluation, written next to the checkpoint it evaluated: what was
/// evaluated (checkpoint path, SHA-256 and step, or a random initialisation of its shape, which
/// may come from the run's config.json alone, then named and hashed here with step 0), how
/// (command, options, dataset, seed), and the accuracies, per class too, with the wall time.
/// </summary>
public sealed record EvaluationRecord
{
    public required string Command { get; init; }
    public required string Checkpoint { get; init; }
    public required string CheckpointSha256 { get; init; }
    public required long CheckpointStep { get; init; }

    /// <summary>True when the checkpoint's weights were not used: a random encoder of its shape (the baseline).</summary>
    public required bool RandomInit { get; init; }

    public required int Seed { get; init; }
    public required string Encoder { get; init; }
    public required DatasetSpec Dataset { get; init; }

    /// <summary>The command's own settings (a <see cref="LinearProbeOptions"/>, <see cref="FineTuneOptions"/>, …).</summary>
    public required object Options { get; init; }

    /// <summary>The checkpoint's pre-training config; null for imported weights.</summary>
    public required PretrainConfig? Pretraining { get; init; }
    public required int TrainImages { get; init; }
    public required int TestImages { get; init; }
    public required double Top1 { get; init; }
    public required double Top5 { get; init; }
    public required IReadOnlyList<ClassAccuracy> PerClass { get; init; }
    public long? Steps { get; init; }
    public double? FinalLoss { get; init; }
    public required double WallSeconds { get; init; }
    public required DateTimeOffset Finished { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, PretrainConfig.Json);

    /// <summary>
    /// Writes the record as <c>{name}.json</c> in <paramref name="folder"/>, or, when that file
    /// already exists, as <c>{name}-2.json</c>, <c>{name}-3.json</c>, … — an earlier result is
    /// never overwritten. Returns the path written.
    /// </summary>
    public string WriteNew(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        string json = ToJson();
        for (int n = 1; ; n++)
        {
            string path = Path.Combine(folder, n == 1 ? $"{name}.json" : $"{name}-{n}.json");
            try
            {
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                using var writer = new StreamWriter(stream);
                writer.Write(json);
                return path;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Taken: try the next number.
            }
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
