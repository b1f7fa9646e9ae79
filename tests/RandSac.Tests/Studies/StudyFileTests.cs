using RandSac.Cli;
using RandSac.Cli.Commands;
using RandSac.Cli.Studies;
using RandSac.Studies;
using RandSac.Tests.Cli;
using Spectre.Console;

namespace RandSac.Tests.Studies;

public class StudyFileTests
{
    const string ValidArms = """
        "arms": [
          { "name": "square", "overrides": { "segments": "square:2" } },
          { "name": "patch", "overrides": { "segments": "patch" } }
        ]
        """;

    static string Study(string body) => $$"""
        {
          "name": "t",
          "base": { "model": "mini", "order": "random" },
          "budget": { "epochs": 1 },
          {{body}}
        }
        """;

    static string StudiesFolder()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "RandSac.slnx"))) folder = folder.Parent;
        return Path.Combine(folder?.FullName ?? throw new DirectoryNotFoundException("RandSac.slnx not found"), "configs", "studies");
    }

    public static TheoryData<string> ShippedStudies => new(Directory.GetFiles(StudiesFolder(), "*.json").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(ShippedStudies))]
    public void ShippedStudiesLoadWithTheirProtocols(string file)
    {
        string path = Path.Combine(StudiesFolder(), file);
        var study = StudyFile.Load(path);
        Assert.NotEmpty(study.Claims);
        Assert.All(study.Arms.Where(a => a.Kind == ArmKind.Pretrain), arm => Assert.NotNull(arm.Paper));
        var context = new CliContext(TextWriter.Null, TextWriter.Null, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }));
        StudyFlags.Check(path, "linprobe", LinprobeCommand.Create(context), study.Evaluation.Linprobe);
        StudyFlags.Check(path, "finetune", FinetuneCommand.Create(context), study.Evaluation.Finetune);
        if (study.Evaluation.Knn is { } knn) StudyFlags.Check(path, "knn", KnnCommand.Create(context), knn);
    }

    [Fact]
    public void ThePaperClaimsStudyDecidesAllSixClaimsAtOneBudget()
    {
        var study = StudyFile.Load(Path.Combine(StudiesFolder(), "paper-claims.json"));
        Assert.Equal(["1", "2", "3", "4", "5", "6"], study.Claims.Select(c => c.Id[..1]).Distinct().Order());
        Assert.True(study.Budget["epochs"]!.GetValue<int>() >= 8);
        Assert.All(study.Arms, arm => Assert.False(arm.Overrides.ContainsKey("epochs")));
        Assert.Contains(study.Arms, a => a.Kind == ArmKind.RandomInit);
        Assert.Contains(study.Arms, a => a.Kind == ArmKind.FromScratch);
        Assert.Equal(8.0, study.MinimumGain);
    }

    [Fact]
    public void AnArmResolvesToBaseThenOverridesThenBudgetWithItsSeed()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("s.json");
        File.WriteAllText(path, Study("""
            "arms": [ { "name": "blob", "overrides": { "segments": "blob:7", "dataset": { "image-size": 16 } } } ]
            """));
        var study = StudyFile.Load(path);
        var config = StudyFile.Resolve(study, study.Arms[0], seed: 3, dataPath: "/data");
        Assert.Equal(("mini", "blob:7", "random", 1, 3, 16, "/data"),
            (config.Model, config.Segments, config.Order, config.Epochs, config.Seed, config.Dataset.ImageSize, config.Dataset.Path));
    }

    [Theory]
    [InlineData("\"arms\": []", "the study has no arms")]
    [InlineData("\"armz\": [], " + ValidArms, "'armz'")]
    [InlineData("\"arms\": [ { \"name\": \"a\", \"overrides\": { \"segmentz\": \"patch\" } } ]", "arm 'a' overrides: unknown setting 'segmentz'")]
    [InlineData("\"arms\": [ { \"name\": \"a\", \"overrides\": { \"epochs\": 5 } } ]", "arm 'a' overrides 'epochs', which the budget")]
    [InlineData("\"arms\": [ { \"name\": \"a\", \"overrides\": { \"segments\": \"hexagon:3\" } } ]", "arm 'a': segments 'hexagon:3'")]
    [InlineData("\"arms\": [ { \"name\": \"a\" }, { \"name\": \"a\" } ]", "two arms are named 'a'")]
    [InlineData("\"arms\": [ { \"name\": \"r\", \"kind\": \"random-init\" } ]", "arm 'r': a random-init baseline needs 'shape-of'")]
    [InlineData("\"arms\": [ { \"name\": \"r\", \"kind\": \"random-init\", \"shape-of\": \"x\" } ]", "'shape-of' names 'x'")]
    [InlineData(ValidArms + ", \"claims\": [ { \"id\": \"1\", \"statement\": \"s\", \"better\": \"square\", \"worse\": \"blob\" } ]", "claim 1 names arm 'blob', which the study does not have")]
    [InlineData(ValidArms + ", \"claims\": [ { \"id\": \"1\", \"statement\": \"s\", \"better\": \"square\", \"worse\": \"patch\", \"metric\": \"ft\" } ]", "claim 1 compares ft of arm 'square', which the study does not measure")]
    [InlineData(ValidArms + ", \"evaluation\": { \"linprobe\": { \"epochz\": 3 } }", "evaluation.linprobe: Unrecognized command or argument '--epochz'")]
    [InlineData(ValidArms + ", \"evaluation\": { \"linprobe\": { \"seed\": 3 } }", "evaluation.linprobe: 'seed' is set by the study")]
    [InlineData(ValidArms + ", \"minimum-gain\": 8", "minimum-gain needs a random-init baseline of arm 'square''s encoder shape")]
    [InlineData(ValidArms + ", \"minimum-gain\": -1", "minimum-gain must be a positive number of LIN points, got -1")]
    public void BadStudyFilesAreOneLineAndExitTwo(string body, string message)
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("bad.json");
        File.WriteAllText(path, Study(body));
        var result = CliRunner.Run("study", path, "--out", folder.Combine("out"), "--dry-run");
        CliRunner.AssertBadInput(result, path, message);
        Assert.False(Directory.Exists(folder.Combine("out")));
    }

    [Fact]
    public void AMissingStudyFileIsNamed()
    {
        using var folder = new TempDirectory();
        CliRunner.AssertBadInput(CliRunner.Run("study", folder.Combine("none.json")), "none.json", "does not exist");
    }
}
