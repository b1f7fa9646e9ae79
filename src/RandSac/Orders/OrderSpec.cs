namespace RandSac.Orders;

/// <summary>Parses order specs: <c>raster</c>, <c>random</c>, <c>hier:K1[,K2…]</c> (no shell quoting needed).</summary>
public static class OrderSpec
{
    public const string Help = "raster | random | hier:K[,K2…] (partition counts, finest first)";

    public static ISegmentOrder Parse(string spec)
    {
        string text = spec.Trim().ToLowerInvariant();
        if (text == "raster") return new RasterOrder();
        if (text == "random") return new RandomOrder();
        if (!text.StartsWith("hier:", StringComparison.Ordinal))
            throw Invalid(spec, "unknown order");
        var counts = new List<int>();
        foreach (var part in text["hier:".Length..].Split(','))
        {
            if (!int.TryParse(part, out int count) || count < 1)
                throw Invalid(spec, $"'{part}' is not a positive whole number");
            counts.Add(count);
        }
        try
        {
            return new HierarchicalOrder(counts);
        }
        catch (ArgumentException e)
        {
            throw Invalid(spec, e.Message);
        }
    }

    static FormatException Invalid(string spec, string why) => new($"order '{spec}': {why} (expected {Help})");
}
