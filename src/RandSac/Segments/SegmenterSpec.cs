namespace RandSac.Segments;

/// <summary>Parses segmenter specs: <c>patch</c>, <c>square:M</c>, <c>blob:K</c>, <c>shuffled:K</c>.</summary>
public static class SegmenterSpec
{
    public const string Help = "patch | square:M | blob:K | shuffled:K";

    public static ISegmenter Parse(string spec)
    {
        string text = spec.Trim().ToLowerInvariant();
        if (text == "patch") return new SquareSegmenter(1);
        int colon = text.IndexOf(':');
        if (colon < 0) throw Invalid(spec, "missing ':N'");
        string kind = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], out int n) || n < 1)
            throw Invalid(spec, $"'{text[(colon + 1)..]}' is not a positive whole number");
        try
        {
            return kind switch
            {
                "square" => new SquareSegmenter(n),
                "blob" => new BlobSegmenter(n),
                "shuffled" => new ShuffledSegmenter(n),
                _ => throw Invalid(spec, $"unknown kind '{kind}'"),
            };
        }
        catch (ArgumentException e)
        {
            throw Invalid(spec, e.Message);
        }
    }

    static FormatException Invalid(string spec, string why) =>
        new($"segments '{spec}': {why} (expected {Help})");
}
