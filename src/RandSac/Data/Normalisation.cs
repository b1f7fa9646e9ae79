using System.Text.Json;

namespace RandSac.Data;

/// <summary>
/// The per-channel mean and std (in [0, 1] units) images are normalised with. A checkpoint
/// records its training data's, so evaluation on the same dataset normalises both splits the
/// way training did.
/// </summary>
public sealed record Normalisation(float[] Mean, float[] Std)
{
    public static Normalisation Of(ImageDataset dataset) => new((float[])dataset.Mean.Clone(), (float[])dataset.Std.Clone());

    public string ToJson() => JsonSerializer.Serialize(new { mean = Mean, std = Std });

    public static Normalisation FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        float[] Values(string name) => document.RootElement.GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();
        return new Normalisation(Values("mean"), Values("std"));
    }

    public override string ToString() =>
        $"mean [{string.Join(", ", Mean.Select(m => m.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}], " +
        $"std [{string.Join(", ", Std.Select(s => s.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}]";
}
