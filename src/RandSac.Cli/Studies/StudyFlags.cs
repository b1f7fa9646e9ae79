using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RandSac.Studies;

namespace RandSac.Cli.Studies;

/// <summary>
/// An evaluation protocol of a study file (<c>{"epochs": 90}</c>) as the flags of its command
/// (<c>--epochs 90</c>), checked against that command's own options before the study starts.
/// </summary>
public static class StudyFlags
{
    public static List<string> ToArgs(JsonObject flags)
    {
        var args = new List<string>();
        foreach (var (key, value) in flags)
        {
            args.Add("--" + key);
            args.Add(Text(value));
        }
        return args;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> when the command would not accept the flags.</summary>
    public static void Check(string studyPath, string where, Command command, JsonObject flags)
    {
        foreach (var key in flags.Select(p => p.Key))
            if (key is "checkpoint" or "seed" or "threads" or "random-init" or "from-scratch")
                throw new InvalidDataException($"{studyPath}: evaluation.{where}: '{key}' is set by the study for every run, not in the protocol");
        var parse = command.Parse(["--checkpoint", "study", .. ToArgs(flags)]);
        if (parse.Errors.Count > 0)
            throw new InvalidDataException($"{studyPath}: evaluation.{where}: {parse.Errors[0].Message} (the keys are the flags of randsac {command.Name})");
    }

    /// <summary>
    /// Whether an evaluation record was made with these flags and this seed: every flag whose name is
    /// also a setting in the record's options must have the same value there.
    /// </summary>
    public static bool Matches(JsonObject flags, JsonObject? options, int? recordSeed, int seed)
    {
        if (recordSeed != seed) return false;
        if (options is null) return flags.Count == 0;
        foreach (var (key, value) in flags)
            if (options[key] is JsonValue recorded && !Same(recorded, value))
                return false;
        return true;
    }

    static bool Same(JsonValue recorded, JsonNode? wanted)
    {
        if (recorded.GetValueKind() == JsonValueKind.Number && wanted is JsonValue w && w.GetValueKind() == JsonValueKind.Number)
            return recorded.GetValue<double>() == w.GetValue<double>();
        return string.Equals(Text(recorded), Text(wanted), StringComparison.OrdinalIgnoreCase);
    }

    static string Text(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => value?.ToJsonString() ?? "",
    };
}
