using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using RandSac.Settings;

namespace RandSac.Cli.Commands;

/// <summary>
/// The command-line options of a settings record: one <c>--key</c> per <see cref="SettingAttribute"/> property,
/// named by its config-file key, described by the attribute with the default of a default record, and parsed
/// as the config file parses it (a bare boolean flag means true). Nested records (the dataset) have options of their own.
/// </summary>
public sealed class SettingOptions<TConfig> where TConfig : class
{
    sealed record Binding(string Key, Option Option, Func<ParseResult, JsonNode?> Read);

    readonly JsonSerializerOptions _json;
    readonly List<Binding> _bindings = [];

    public SettingOptions(JsonSerializerOptions json, TConfig defaults) : this(json, (null, defaults))
    {
    }

    /// <summary>Options whose defaults depend on a mode, each mode's defaults labelled in the help ("default 90 fast, 10 augmented").</summary>
    public SettingOptions(JsonSerializerOptions json, params (string? Mode, TConfig Defaults)[] modes)
    {
        _json = json;
        var defaults = modes.Select(m => (m.Mode, Values: JsonSerializer.SerializeToNode(m.Defaults, json)!.AsObject())).ToArray();
        foreach (var property in json.GetTypeInfo(typeof(TConfig)).Properties)
        {
            if (property.AttributeProvider is not PropertyInfo member || member.GetCustomAttribute<SettingAttribute>() is not { } setting) continue;
            string key = property.Name, help = HelpOf(setting, defaults.Select(d => (d.Mode, d.Values[key])).ToArray());
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var binding = type.IsEnum ? Named(key, help, type)
                : (Binding)typeof(SettingOptions<TConfig>).GetMethod(nameof(Typed), BindingFlags.NonPublic | BindingFlags.Instance)!
                    .MakeGenericMethod(type.IsValueType ? typeof(Nullable<>).MakeGenericType(type) : type)
                    .Invoke(this, [key, help, type == typeof(bool)])!;
            if (setting.Alias is { } alias) binding.Option.Aliases.Add(alias);
            _bindings.Add(binding);
        }
    }

    /// <summary>The attribute's help with the default, e.g. "Patch size in pixels (default 4)." or "… (default: the encoder's)."</summary>
    static string HelpOf(SettingAttribute setting, (string? Mode, JsonNode? Value)[] defaults)
    {
        string Shown(JsonNode? value) => value is null ? ": " + (setting.Unset ?? "none")
            : " " + (value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString());
        var shown = defaults.Select(d => (d.Mode, Text: Shown(d.Value))).ToArray();
        string text = shown.Select(s => s.Text).Distinct().Count() == 1 ? shown[0].Text : string.Join(",", shown.Select(s => $"{s.Text} {s.Mode}"));
        return $"{setting.Help.TrimEnd('.')} (default{text}).";
    }

    /// <summary>A number, boolean or text, parsed by the command line as the config file would read it.</summary>
    Binding Typed<T>(string key, string help, bool flag)
    {
        var option = new Option<T>("--" + key) { Description = help };
        if (flag) option.Arity = ArgumentArity.ZeroOrOne;
        return new Binding(key, option, parse => parse.GetResult(option) is null ? null
            : parse.GetValue(option) is { } value ? JsonSerializer.SerializeToNode(value, value.GetType(), _json)
            : JsonValue.Create(true)); // only a bare boolean flag has no value
    }

    /// <summary>One of an enumeration's names, read by the config file's own converter.</summary>
    Binding Named(string key, string help, Type type)
    {
        var option = new Option<string>("--" + key) { Description = help };
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
                try
                {
                    new JsonObject { [key] = token.Value }.Deserialize<TConfig>(_json);
                }
                catch (JsonException)
                {
                    var names = Enum.GetNames(type).Select(JsonNamingPolicy.KebabCaseLower.ConvertName);
                    result.AddError($"unknown {key.Replace('-', ' ')} '{token.Value}' (expected {string.Join(" | ", names)})");
                }
        });
        return new Binding(key, option, parse => parse.GetValue(option) is { } name ? JsonValue.Create(name) : null);
    }

    public void AddTo(Command command)
    {
        foreach (var binding in _bindings) command.Options.Add(binding.Option);
    }

    /// <summary>Whether the setting of this config-file key was given on the command line.</summary>
    public bool IsGiven(ParseResult parse, string key) => parse.GetResult(_bindings.Single(b => b.Key == key).Option) is not null;

    /// <summary><paramref name="start"/> with every setting given on the command line laid over it.</summary>
    public TConfig Apply(ParseResult parse, TConfig start)
    {
        var given = new JsonObject();
        foreach (var binding in _bindings)
            if (binding.Read(parse) is { } value) given[binding.Key] = value;
        var merged = JsonSerializer.SerializeToNode(start, _json)!.AsObject();
        JsonMerge.Overlay(merged, given);
        return merged.Deserialize<TConfig>(_json)!;
    }
}
