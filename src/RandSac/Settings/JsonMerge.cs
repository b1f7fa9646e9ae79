using System.Text.Json.Nodes;

namespace RandSac.Settings;

/// <summary>Settings laid over settings, as JSON objects: how overrides (flags, study arms) apply to a base config.</summary>
public static class JsonMerge
{
    /// <summary>Overlays <paramref name="top"/> on <paramref name="target"/>, merging nested objects (e.g. dataset).</summary>
    public static void Overlay(JsonObject target, JsonObject top)
    {
        foreach (var (key, value) in top)
        {
            if (value is JsonObject inner && target[key] is JsonObject existing) Overlay(existing, inner);
            else target[key] = value?.DeepClone();
        }
    }
}
