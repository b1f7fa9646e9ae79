using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using RandSac.Cli;
using RandSac.Cli.Commands;
using RandSac.Training;
using Spectre.Console;

namespace RandSac.Tests.Cli;

/// <summary>The options of <c>randsac pretrain</c> come from <see cref="PretrainConfig"/>: one per config key.</summary>
public sealed class PretrainOptionsTests
{
    static Command Pretrain() => PretrainCommand.Create(new CliContext(TextWriter.Null, TextWriter.Null,
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) })));

    /// <summary>Every key of a config file, nested dataset keys as <c>dataset.image-size</c>.</summary>
    static IEnumerable<string> ConfigKeys()
    {
        foreach (var (key, value) in JsonSerializer.SerializeToNode(new PretrainConfig(), PretrainConfig.Json)!.AsObject())
            if (value is JsonObject nested)
                foreach (var (inner, _) in nested) yield return $"{key}.{inner}";
            else yield return key;
    }

    [Fact]
    public void EveryConfigKeyHasAnOptionOfTheSameNameWithHelp()
    {
        var options = Pretrain().Options.ToDictionary(o => o.Name);
        var flags = new Dictionary<string, string> { ["dataset.kind"] = "--dataset", ["dataset.path"] = "--data" };
        foreach (var key in ConfigKeys())
        {
            string flag = flags.GetValueOrDefault(key) ?? "--" + (key.StartsWith("dataset.", StringComparison.Ordinal) ? key["dataset.".Length..] : key);
            Assert.True(options.TryGetValue(flag, out var option), $"{key} has no {flag}");
            Assert.False(string.IsNullOrWhiteSpace(option!.Description), $"{flag} has no help");
        }
    }

    [Fact]
    public void FlagsLandInTheConfigParsedAsTheConfigFileParsesThem()
    {
        var settings = new SettingOptions<PretrainConfig>(PretrainConfig.Json, new PretrainConfig());
        var command = new Command("pretrain");
        settings.AddTo(command);
        var start = new PretrainConfig { Epochs = 7, Skip = false };
        var parse = command.Parse(["--beta2", "0.99", "--skip", "--precision", "bf16", "--decoder-dim", "96", "--max-steps", "3",
            "--norm-pix-loss", "false", "--model", "64/2/4"]);
        Assert.Empty(parse.Errors);
        var config = settings.Apply(parse, start);
        Assert.Equal(start with
        {
            Beta2 = 0.99, Skip = true, Precision = Precision.Bf16, DecoderDim = 96, MaxSteps = 3, NormPixLoss = false, Model = "64/2/4",
        }, config);
        Assert.Equal(start, settings.Apply(command.Parse([]), start));
        Assert.Contains("(default 0.95)", command.Options.Single(o => o.Name == "--beta2").Description);
    }

    [Fact]
    public void DropPathFromItsFlagReachesTheEncoderBlocks()
    {
        var settings = new SettingOptions<PretrainConfig>(PretrainConfig.Json, new PretrainConfig());
        var command = new Command("pretrain");
        settings.AddTo(command);
        var config = settings.Apply(command.Parse(["--drop-path", "0.2"]), new PretrainConfig()).Validated();
        using var model = RandSac.Models.PretrainerFactory.Create(config.ModelOptions(3, 32));
        var blocks = model.Encoder.Blocks;
        Assert.Equal(0, blocks[0].DropPathRate);
        Assert.Equal(0.2, blocks[blocks.Count - 1].DropPathRate, 12);
        Assert.Throws<ArgumentException>(() => (config with { DropPath = 1 }).Validated());
    }

    [Fact]
    public void AnUnknownNameIsAParseErrorListingTheNames()
    {
        var result = CliRunner.Run("pretrain", "--out", Path.Combine(Path.GetTempPath(), "never-made-" + Guid.NewGuid().ToString("N")),
            "--precision", "fp8");
        CliRunner.AssertBadInput(result, "unknown precision 'fp8' (expected fp32 | bf16)", "(see 'randsac pretrain --help')");
    }
}
