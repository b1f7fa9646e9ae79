using System.Diagnostics;
using System.Text.Json.Nodes;
using RandSac.Cli;
using RandSac.Cli.Commands;
using RandSac.Studies;
using RandSac.Tests.Cli;
using RandSac.Training;

namespace RandSac.Tests.Studies;

/// <summary>
/// A tiny study (2 arms × 2 seeds of a few steps on 16×16 synthetic images, with a random-init
/// baseline) through the real command: interrupted by killing the study's process tree after its
/// first run, then rerun to the end.
/// </summary>
public class StudyCommandTests
{
    internal const string TinyStudy = """
        {
          "name": "tiny",
          "base": { "dataset": { "kind": "synthetic", "synthetic-count": 48, "image-size": 16 }, "model": "mini", "decoder-depth": 1,
                    "batch": 8, "order": "random", "threads": 1 },
          "budget": { "epochs": 1, "warmup-epochs": 0, "max-steps": 2 },
          "seeds": [0, 1],
          "evaluation": { "linprobe": { "epochs": 1, "batch": 16 }, "knn": null },
          "arms": [
            { "name": "square", "overrides": { "segments": "square:2" }, "paper": { "table": "4", "lin": 81.38 } },
            { "name": "patch", "overrides": { "segments": "patch" }, "paper": { "table": "4", "lin": 75.53 } },
            { "name": "random", "kind": "random-init", "shape-of": "square" }
          ],
          "claims": [ { "id": "2", "statement": "segments beat patches", "better": "square", "worse": "patch", "table": "4" } ]
        }
        """;

    [Fact]
    public void AnInterruptedStudyFinishesWithoutRedoingFinishedRuns()
    {
        using var folder = new TempDirectory();
        var (file, output) = WriteTinyStudy(folder);
        string results = Path.Combine(output, StudyResults.FileName);

        // First attempt: killed (with its current stage) once the first run has its linear probe.
        using (var study = StartCli("study", file, "--out", output))
        {
            var clock = Stopwatch.StartNew();
            while (!FirstRunFinished(results) && !study.HasExited && clock.Elapsed < TimeSpan.FromMinutes(4)) Thread.Sleep(200);
            Assert.False(study.HasExited, $"the study ended before it could be interrupted: {study.StandardError.ReadToEnd()}");
            study.Kill(entireProcessTree: true);
            study.WaitForExit();
        }
        string firstCheckpoint = Checkpoint.PathIn(StudyPlan.RunFolder(output, "square", 0));
        var before = (File.ReadAllBytes(firstCheckpoint), File.GetLastWriteTimeUtc(firstCheckpoint));
        string firstProbe = Assert.Single(ProbeRecords(firstCheckpoint));

        var rerun = CliRunner.Run("study", file, "--out", output);
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.DoesNotContain("square seed 0 · pretrain", rerun.Out);
        Assert.DoesNotContain("square seed 0 · linprobe", rerun.Out);
        Assert.Equal(before.Item1, File.ReadAllBytes(firstCheckpoint));
        Assert.Equal(before.Item2, File.GetLastWriteTimeUtc(firstCheckpoint));
        Assert.Equal([firstProbe], ProbeRecords(firstCheckpoint));

        var records = StudyResults.LoadOrCreate(output, "tiny", file).Records;
        Assert.Equal(6, records.Count);
        foreach (var record in records)
        {
            Assert.True(record.Accuracy.ContainsKey(StudyMetric.Lin), $"{record.Arm} seed {record.Seed} has no LIN");
            Assert.Equal(64, record.CheckpointSha256!.Length);
            Assert.StartsWith(StudyResults.BuildVersion, record.Build[StudyStage.Linprobe]);
            Assert.Equal(record.Seed, record.Config.Seed);
        }
        Assert.Equal(EvaluationSha(firstProbe), records.Single(r => r.Arm == "square" && r.Seed == 0).CheckpointSha256);
        Assert.Single(Directory.GetFiles(StudyPlan.RunFolder(output, "square", 1), "linprobe-random-init*.json"));

        string report = File.ReadAllText(Path.Combine(output, StudyReport.FileName));
        Assert.Contains("| square | segments square:2 | 2 |", report);
        Assert.Contains("| 2 | segments beat patches | lin | square − patch |", report);
        Assert.Contains("**Verdict rule.**", report);
        Assert.True(new FileInfo(Path.Combine(output, "results.png")).Length > 1000);
        Assert.True(File.Exists(Path.Combine(output, "logs", "patch-seed-1-pretrain.log")));

        // A third invocation has nothing left to do.
        var again = CliRunner.Run("study", file, "--out", output);
        Assert.Equal(0, again.ExitCode);
        Assert.DoesNotContain("· pretrain", again.Out);
    }

    [Fact]
    public void APretrainingStartedByAnotherBuildIsNotContinuedByThisOne()
    {
        using var folder = new TempDirectory();
        var (file, output) = StartedByAnotherBuild(folder);
        string checkpoint = Checkpoint.PathIn(StudyPlan.RunFolder(output, "square", 0));
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint)!);
        File.WriteAllText(checkpoint, "another build's checkpoint");

        var result = CliRunner.Run("study", file, "--out", output, "--only", "square", "--seeds", "0");
        CliRunner.AssertBadInput(result, "square/seed-0 pretrain was started by build 0.9.0+0123abc", "continue the study with the build that started it");
        Assert.Equal("another build's checkpoint", File.ReadAllText(checkpoint));
    }

    [Fact]
    public void APretrainingStartedByAnotherBuildWithoutItsCheckpointStartsOver()
    {
        using var folder = new TempDirectory();
        var (file, output) = StartedByAnotherBuild(folder);

        var result = CliRunner.Run("study", file, "--out", output, "--only", "square", "--seeds", "0");
        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("nothing to continue: starting over", System.Text.RegularExpressions.Regex.Replace(result.Out, @"\s+", " "));
        var record = StudyResults.LoadOrCreate(output, "tiny", file).Find("square", 0)!;
        Assert.Equal(StudyResults.BuildVersion, record.StartedBy[StudyStage.Pretrain]);
        Assert.Equal(StudyResults.BuildVersion, record.Build[StudyStage.Pretrain]);
        Assert.NotNull(record.CheckpointSha256);
    }

    [Fact]
    public void ABaselineRunsWhenItsArmsCheckpointIsGone()
    {
        using var folder = new TempDirectory();
        var (file, output) = WriteTinyStudy(folder);
        var trained = CliRunner.Run("study", file, "--out", output, "--only", "square", "--seeds", "0");
        Assert.True(trained.ExitCode == 0, trained.Out + trained.Error);
        // As on the next machine: the records came along, the checkpoint did not.
        string run = StudyPlan.RunFolder(output, "square", 0);
        File.Delete(Checkpoint.PathIn(run));

        var baseline = CliRunner.Run("study", file, "--out", output, "--only", "random", "--seeds", "0");

        Assert.True(baseline.ExitCode == 0, baseline.Out + baseline.Error);
        Assert.DoesNotContain("square seed 0 · pretrain", baseline.Out);
        string config = Path.Combine(run, PretrainConfig.FileInRun);
        string probe = Assert.Single(Directory.GetFiles(run, "linprobe-random-init*.json"));
        Assert.Equal(config, JsonNode.Parse(File.ReadAllText(probe))!["checkpoint"]!.GetValue<string>());
        var record = StudyResults.LoadOrCreate(output, "tiny", file).Find("random", 0)!;
        Assert.True(record.Accuracy.ContainsKey(StudyMetric.Lin));
        Assert.Equal(EvaluationSha(probe), record.CheckpointSha256);
        Assert.Equal(RandSac.Evaluation.EvaluationRecord.Sha256(config), record.CheckpointSha256);
    }

    [Fact]
    public void ASecondInvocationOnAStudyFolderInUseIsRefusedAndChangesNothing()
    {
        using var folder = new TempDirectory();
        var (file, output) = WriteTinyStudy(folder);
        var finished = CliRunner.Run("study", file, "--out", output, "--only", "square", "--seeds", "0");
        Assert.True(finished.ExitCode == 0, finished.Out + finished.Error);
        string records = Path.Combine(output, StudyResults.FileName);
        byte[] before = File.ReadAllBytes(records);

        using (RunFolderLock.Acquire(output, StudyCommand.LockFileName))
        {
            var second = CliRunner.Run("study", file, "--out", output, "--only", "patch", "--seeds", "0");
            CliRunner.AssertBadInput(second, $"{output} is in use by process {Environment.ProcessId}", StudyCommand.LockFileName);
            Assert.Equal(before, File.ReadAllBytes(records));
            Assert.False(Directory.Exists(StudyPlan.RunFolder(output, "patch", 0)));

            // A dry run only reads the records, so it plans beside a running study.
            var plan = CliRunner.Run("study", file, "--out", output, "--only", "patch", "--seeds", "0", "--dry-run");
            Assert.True(plan.ExitCode == 0, plan.Out + plan.Error);
        }

        var after = CliRunner.Run("study", file, "--out", output, "--only", "patch", "--seeds", "0");
        Assert.True(after.ExitCode == 0, after.Out + after.Error);
    }

    /// <summary>
    /// <see cref="TinyStudy"/> in a file, with another <paramref name="budget"/> when one is given, and a study
    /// folder that does not exist yet.
    /// </summary>
    internal static (string File, string Output) WriteTinyStudy(TempDirectory folder, string? budget = null)
    {
        const string TinyBudget = """{ "epochs": 1, "warmup-epochs": 0, "max-steps": 2 }""";
        Assert.Contains(TinyBudget, TinyStudy);
        string file = folder.Combine("tiny.json");
        File.WriteAllText(file, TinyStudy.Replace(TinyBudget, budget ?? TinyBudget));
        return (file, folder.Combine("out"));
    }

    /// <summary>A tiny study whose square/seed-0 pre-training another build started (its study.json says so).</summary>
    static (string File, string Output) StartedByAnotherBuild(TempDirectory folder)
    {
        var (file, output) = WriteTinyStudy(folder);
        var study = StudyFile.Load(file);
        var results = new StudyResults { Study = "tiny", StudyFile = file };
        results.Records.Add(new StudyRecord
        {
            Arm = "square", Seed = 0, Kind = ArmKind.Pretrain, Folder = StudyPlan.RunFolder(output, "square", 0),
            Config = StudyFile.Resolve(study, study.Arms[0], 0), StartedBy = { [StudyStage.Pretrain] = "0.9.0+0123abc" },
        });
        results.Save(output);
        return (file, output);
    }

    static bool FirstRunFinished(string results)
    {
        try
        {
            return File.Exists(results) && JsonNode.Parse(File.ReadAllText(results))!["records"]!.AsArray()
                .Any(r => r!["arm"]!.GetValue<string>() == "square" && r["wall-seconds"]!["linprobe"] is not null);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>The linear-probe records of a run's own encoder (not of its random-init baseline).</summary>
    static string[] ProbeRecords(string checkpoint) => Directory.GetFiles(Path.GetDirectoryName(checkpoint)!, "linprobe*.json")
        .Where(p => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(p), @"^linprobe(-[0-9]+)?\.json$")).ToArray();

    static string EvaluationSha(string record) => JsonNode.Parse(File.ReadAllText(record))!["checkpoint-sha256"]!.GetValue<string>();

    static Process StartCli(params string[] args)
    {
        string dll = typeof(CliApp).Assembly.Location;
        var start = new ProcessStartInfo(Path.Combine(Path.GetDirectoryName(dll)!, "RandSac.Cli"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        return process;
    }
}
