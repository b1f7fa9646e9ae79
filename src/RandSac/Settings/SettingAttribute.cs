namespace RandSac.Settings;

/// <summary>
/// Marks a property of a settings record (e.g. <see cref="Training.PretrainConfig"/>) as a setting and says what it
/// does. The record is the one place a setting is declared: the command line's <c>--name</c> option, its help,
/// the config file's key and the recorded config all come from the property.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SettingAttribute(string help) : Attribute
{
    /// <summary>What the setting does, as one or more sentences.</summary>
    public string Help { get; } = help;

    /// <summary>What an unset (null) setting means, e.g. "the encoder's"; otherwise the help shows the default value.</summary>
    public string? Unset { get; init; }

    /// <summary>Another name the command line accepts for the setting, e.g. a flag older than the key.</summary>
    public string? Alias { get; init; }
}
