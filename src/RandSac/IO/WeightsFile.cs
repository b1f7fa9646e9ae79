namespace RandSac.IO;

/// <summary>Which loader a weights path needs: RandSac's own checkpoint, or an imported encoder (timm, DeiT, MAE, RandSac's export).</summary>
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
}
