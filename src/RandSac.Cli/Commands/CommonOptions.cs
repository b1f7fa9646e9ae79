using System.CommandLine;
using RandSac.Orders;
using RandSac.Segments;

namespace RandSac.Cli.Commands;

/// <summary>Options that several commands share, defined once.</summary>
public static class CommonOptions
{
    public static Option<string> Segments() => new("--segments")
    {
        Description = $"How tokens are grouped into segments: {SegmenterSpec.Help}.",
        DefaultValueFactory = _ => "square:2",
    };

    public static Option<string> Order() => new("--order")
    {
        Description = $"How segments are serialised: {OrderSpec.Help}. E.g. hier:4 (16→4 with square:2 on 8×8 tokens), hier:16,4.",
        DefaultValueFactory = _ => "hier:4",
    };

    public static Option<int> Patch() => new("--patch")
    {
        Description = "Patch size in pixels (1 gives iGPT-style pixel tokens).",
        DefaultValueFactory = _ => 4,
    };

    /// <summary>A boolean option's value when given, where a bare flag (<c>--tensorboard</c>) means true.</summary>
    public static bool? Flag(ParseResult parse, Option<bool?> option) =>
        parse.GetResult(option) is null ? null : parse.GetValue(option) ?? true;
}
