namespace RandSac.IO;

/// <summary>
/// Which loader a weights path needs: RandSac's own checkpoint, or an imported encoder (timm, DeiT, MAE,
/// RandSac's export); or, for a random baseline, a run's pre-training config in place of weights.
/// </summary>
public static class WeightsFile
{
    /// <summary>
    /// The file a path means: a run folder's <c>checkpoint.safetensors</c>, a timm folder's
    /// weights, or the path itself.
    /// </summary>
    public static string Resolve(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            string checkpoint = Training.Checkpoint.PathIn(full);
            return File.Exists(checkpoint) ? checkpoint : full;
        }
        return full;
    }

    /// <summary>True for a safetensors file whose metadata says it is a RandSac pre-training checkpoint.</summary>
    public static bool IsRandSacCheckpoint(string file) =>
        File.Exists(file) && Safetensors.TryReadMetadata(file)?.GetValueOrDefault("format") == "randsac-checkpoint";

    /// <summary>
    /// The pre-training config that <paramref name="path"/> names instead of weights, and its file: a
    /// config file (a run folder's config.json), or a run folder with no checkpoint but its config.json;
    /// else null (a timm folder's config.json is not one). A random baseline needs only its shape and seed.
    /// </summary>
    public static (Training.PretrainConfig Config, string File)? RunConfig(string path)
    {
        string file = Directory.Exists(path) ? System.IO.Path.Combine(path, Training.PretrainConfig.FileInRun) : path;
        if (!file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || !File.Exists(file)) return null;
        try
        {
            return (Training.PretrainConfig.Load(file), file);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
