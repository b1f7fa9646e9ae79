using RandSac.Cli;
using RandSac.Cli.Studies;
using RandSac.Studies;
using RandSac.Tests.Cli;
using RandSac.Training;

namespace RandSac.Tests.Studies;

/// <summary><c>randsac study --time-limit</c>: what it accepts, which stages it starts, and what it leaves for the next invocation.</summary>
public class StudyTimeLimitTests
{
    [Theory]
    [InlineData("2h30m", 9000)]
    [InlineData("90m", 5400)]
    [InlineData("45s", 45)]
    [InlineData("1h", 3600)]
    [InlineData("1h0m30s", 3630)]
    [InlineData("1d12h", 129600)]
    [InlineData("2:30:00", 9000)]
    [InlineData("0:00:05", 5)]
    [InlineData("90", 5400)] // SLURM: minutes
    [InlineData("2:30", 150)] // SLURM: minutes:seconds
    [InlineData("1-12", 129600)] // SLURM: days-hours
    [InlineData("1-12:30", 131400)]
    [InlineData("1-00:00:10", 86410)]
    public void DurationsAreReadAsSchedulersWriteThem(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), StudyTimeLimit.ParseDuration(text, "--time-limit"));

    [Theory]
    [InlineData("")]
    [InlineData("2h30")]
    [InlineData("1-")]
    [InlineData("2:30:")]
    [InlineData("1:2:3:4")]
    [InlineData("0m")]
    [InlineData("0:00:00")]
    [InlineData("2:75")]
    [InlineData("-5m")]
    [InlineData("600h")]
    [InlineData("25-00")]
    public void OtherDurationsAreBadInput(string text)
    {
        var e = Assert.Throws<UserInputException>(() => StudyTimeLimit.ParseDuration(text, "--time-limit"));
        Assert.StartsWith($"--time-limit: '{text}'", e.Message);
    }

    [Fact]
    public void AStageStartsOnlyWhenItsEstimateFitsInWhatIsLeft()
    {
        var start = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
        var now = start;
        var limit = new StudyTimeLimit(TimeSpan.FromHours(2), start, () => now);
        Assert.Null(limit.WhyNotNow(7200, continues: false));
        now = start.AddMinutes(90);
        Assert.Null(limit.WhyNotNow(1800, continues: false));
        Assert.False(limit.HeldBack);
        Assert.Equal("about 31 min, and 30 min of the time limit is left: left for the next invocation", limit.WhyNotNow(1860, continues: true));
        Assert.True(limit.HeldBack);
        now = start.AddHours(3);
        Assert.Contains("and 0 s of the time limit is left", limit.WhyNotNow(1, continues: false));
        Assert.Equal(0, limit.NeverFits);
    }

    [Fact]
    public void AStageLongerThanTheWholeLimitStartsOnlyIfItContinuesFromACheckpoint()
    {
        var start = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
        var now = start.AddMinutes(100);
        var limit = new StudyTimeLimit(TimeSpan.FromHours(2), start, () => now);

        // Waiting would never help a 3-hour pre-training: it starts, is stopped at the deadline and continues next time.
        Assert.Null(limit.WhyNotNow(3 * 3600, continues: true));
        Assert.Equal("about 3 h 00 min, longer than the whole time limit, and it cannot continue from a checkpoint",
            limit.WhyNotNow(3 * 3600, continues: false));
        Assert.Equal(1, limit.NeverFits);
        Assert.False(limit.HeldBack);
        now = start.AddHours(2);
        Assert.NotNull(limit.WhyNotNow(3 * 3600, continues: true));
    }

    [Fact]
    public void WithWholeStagesAPretrainingStartsOnlyWhenItFitsInWhatIsLeft()
    {
        var start = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
        var now = start.AddMinutes(30);
        var limit = new StudyTimeLimit(TimeSpan.FromHours(2), start, () => now) { WholeStages = true };

        Assert.Null(limit.WhyNotNow(90 * 60, continues: true));
        // Its checkpoint would not outlive the limit, so a pre-training that ends after it waits like any stage.
        Assert.Equal("about 1 h 31 min, and 1 h 30 min of the time limit is left: left for the next invocation",
            limit.WhyNotNow(91 * 60, continues: true));
        Assert.True(limit.HeldBack);
        Assert.Equal("about 3 h 00 min, longer than the whole time limit, and --whole-stages starts no stage it cannot finish",
            limit.WhyNotNow(3 * 3600, continues: true));
        Assert.Equal(1, limit.NeverFits);
    }

    [Fact]
    public void TheClosingLineSaysWhyTheStagesThatNeverFitCannotRun()
    {
        var start = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
        var plain = new StudyTimeLimit(TimeSpan.FromHours(2), start, () => start);
        var whole = new StudyTimeLimit(TimeSpan.FromHours(2), start, () => start) { WholeStages = true };
        plain.WhyNotNow(3 * 3600, continues: false);
        whole.WhyNotNow(3 * 3600, continues: true);
        whole.WhyNotNow(3 * 3600, continues: false);

        Assert.Equal("1 stage(s) take longer than the whole --time-limit of 2 h 00 min and cannot be continued from a checkpoint (listed above): raise --time-limit",
            plain.NeverFitsSummary);
        Assert.Equal("2 stage(s) take longer than the whole --time-limit of 2 h 00 min and --whole-stages starts none it cannot finish (listed above): raise --time-limit",
            whole.NeverFitsSummary);
    }

    [Fact]
    public void AWaitingPretrainingHoldsBackItsEvaluationsAndItsBaselineButNotTheOtherRuns()
    {
        using var folder = new TempDirectory();
        var (file, output) = StudyCommandTests.WriteTinyStudy(folder);
        var study = StudyFile.Load(file);
        var runs = StudyPlan.Build(study, output, [0]);
        // The checkpoint of an unfinished attempt lies in square's folder: no evaluation may take it.
        string unfinished = Checkpoint.PathIn(StudyPlan.RunFolder(output, "square", 0));
        Directory.CreateDirectory(Path.GetDirectoryName(unfinished)!);
        File.WriteAllText(unfinished, "an unfinished attempt");
        var results = new StudyResults { Study = study.Name, StudyFile = file };
        var observer = new RecordingObserver();
        var runner = new StudyRunner(study, output, results, null, null, observer)
        {
            WhyNotNow = (run, stage) => run.Arm.Name == "square" && stage == StudyStage.Pretrain ? "waits for the test" : null,
        };

        runner.Run(runs, CancellationToken.None);

        Assert.Equal(["square seed 0 · pretrain: waits for the test",
                      "square seed 0 · linprobe: an earlier stage of its run waits: left for the next invocation",
                      "random seed 0 · linprobe: an earlier stage of its run waits: left for the next invocation"], observer.Skipped);
        Assert.Equal(["patch seed 0 · pretrain", "patch seed 0 · linprobe"], observer.Started);
        Assert.Equal("an unfinished attempt", File.ReadAllText(unfinished));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(unfinished)!, "linprobe*.json"));
        Assert.True(results.Find("patch", 0)!.Done(StudyStage.Linprobe));
        Assert.False(results.Find("square", 0)!.Done(StudyStage.Pretrain));
    }

    [Fact]
    public void AWaitingEvaluationOfABaselineHoldsBackItsLaterStages()
    {
        using var folder = new TempDirectory();
        string file = folder.Combine("tiny.json");
        File.WriteAllText(file, StudyCommandTests.TinyStudy.Replace("\"knn\": null", "\"knn\": {}"));
        string output = folder.Combine("out");
        var study = StudyFile.Load(file);
        var results = new StudyResults { Study = study.Name, StudyFile = file };
        var observer = new RecordingObserver();
        var runner = new StudyRunner(study, output, results, null, null, observer)
        {
            WhyNotNow = (run, stage) => run.Arm.Name switch
            {
                "patch" => "not in this test",
                "random" when stage == StudyStage.Linprobe => "waits for the test",
                _ => null,
            },
        };

        runner.Run(StudyPlan.Build(study, output, [0]), CancellationToken.None);

        // square's checkpoint is there, but random's kNN comes after its linear probe, which waits.
        Assert.Equal(["square seed 0 · pretrain", "square seed 0 · linprobe", "square seed 0 · knn"], observer.Started);
        Assert.Equal(["random seed 0 · linprobe: waits for the test",
                      "random seed 0 · knn: an earlier stage of its run waits: left for the next invocation"],
            observer.Skipped.Where(line => line.StartsWith("random", StringComparison.Ordinal)));
    }

    [Fact]
    public void APretrainingLongerThanTheLimitIsStoppedAtItWithItsCheckpointWhichThePlanShowsAndTheStudyExitsWithTryAgain()
    {
        using var folder = new TempDirectory();
        var (file, output) = StudyCommandTests.WriteTinyStudy(folder, """{ "epochs": 1000000, "warmup-epochs": 0, "max-steps": 1000000, "checkpoint-every": 1000000 }""");
        var first = StudyPlan.Build(StudyFile.Load(file), output, [0])[0];

        var result = CliRunner.Run("study", file, "--out", output, "--seeds", "0", "--time-limit", "45s");

        Assert.True(result.ExitCode == StudyTimeLimit.ExitCode, result.Out + result.Error);
        string printed = System.Text.RegularExpressions.Regex.Replace(result.Out, @"\s+", " "); // a narrow console wraps lines
        Assert.Contains("time limit 45 s: no stage starts that would end after", printed);
        Assert.Contains($"[1/5] {first.Arm.Name} seed 0 · pretrain", printed);
        Assert.Contains("time limit reached: no further stage starts", printed);
        Assert.Contains("time limit: 5 stages left for the next invocation of the same command", printed);
        // Stopped as SIGTERM stops it: the checkpoint of the step it finished, though checkpoint-every is far away.
        long reached = first.CheckpointStep() ?? 0;
        Assert.True(reached > 0, result.Out);
        Assert.Equal("", result.Error);

        // The plan says where the next invocation continues.
        var plan = CliRunner.Run("study", file, "--out", output, "--seeds", "0", "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.Out + plan.Error);
        Assert.Contains($"{reached}/1000000", plan.Out);
        Assert.Contains("pre-training steps a/b: continues from its checkpoint at step a of b", plan.Out);
    }

    [Fact]
    public void ALimitThatEndsBeforeAnyStageFinishesStopsTheStudyWithTryAgain()
    {
        using var folder = new TempDirectory();
        // Pre-trainings far longer than the limit: whether the second runs out while the arms' steps are
        // measured (so no stage starts) or during the first pre-training (stopped at its checkpoint) depends
        // on the machine's speed, and in both cases no stage finishes.
        var (file, output) = StudyCommandTests.WriteTinyStudy(folder, """{ "epochs": 100, "warmup-epochs": 0 }""");

        int stages = StudyPlan.Build(StudyFile.Load(file), output, [0]).Sum(run => run.Stages.Length);

        var result = CliRunner.Run("study", file, "--out", output, "--seeds", "0", "--time-limit", "1s");

        Assert.True(result.ExitCode == StudyTimeLimit.ExitCode, result.Out + result.Error);
        string printed = System.Text.RegularExpressions.Regex.Replace(result.Out, @"\s+", " ");
        Assert.Contains("time limit reached", printed);
        Assert.Contains($"time limit: {stages} stages left for the next invocation of the same command", printed);
        Assert.True(File.Exists(Path.Combine(output, StudyResults.FileName)));
        Assert.Equal("", result.Error);
    }

    [Fact]
    public void StagesLeftForAnotherReasonThanTheLimitAreAFailureNotTryAgain()
    {
        using var folder = new TempDirectory();
        // The checkpoint of a finished pre-training is gone, and its linear probe is to be done again.
        var (file, output, checkpoint) = SquareWithItsLinearProbeUndone(folder);
        File.Delete(checkpoint);

        var result = CliRunner.Run("study", file, "--out", output, "--only", "square", "--seeds", "0", "--time-limit", "2h");

        Assert.True(result.ExitCode == CliApp.Failure, result.Out + result.Error);
        Assert.Contains("square seed 0 · linprobe: no checkpoint.safetensors in", System.Text.RegularExpressions.Regex.Replace(result.Out, @"\s+", " "));
        Assert.Contains("randsac: 1 stages are left undone; the lines above say why", result.Error);
        Assert.DoesNotContain("time limit:", result.Out);
    }

    [Fact]
    public void AFailureUnderKeepGoingIsReportedWithTheLimitAndTheOtherRunsFinish()
    {
        using var folder = new TempDirectory();
        var (file, output) = SquareWithADamagedCheckpoint(folder);

        var result = CliRunner.Run("study", file, "--out", output, "--seeds", "0", "--keep-going", "--time-limit", "2h");

        Assert.True(result.ExitCode == CliApp.Failure, result.Out + result.Error);
        Assert.Contains("randsac: failed: square/seed-0 linprobe failed (exit 2): ", result.Error);
        Assert.DoesNotContain("time limit:", result.Out);
        var results = StudyResults.LoadOrCreate(output, "tiny", file);
        Assert.True(results.Find("patch", 0)!.Done(StudyStage.Linprobe));
        Assert.False(results.Find("square", 0)!.Done(StudyStage.Linprobe));
    }

    [Fact]
    public void AFailureUnderKeepGoingIsKeptWhenTheLimitHoldsBackTheStagesAfterIt()
    {
        using var folder = new TempDirectory();
        var (file, output) = SquareWithADamagedCheckpoint(folder);
        var study = StudyFile.Load(file);
        var results = StudyResults.LoadOrCreate(output, study.Name, file);
        var observer = new RecordingObserver();
        var failures = new List<string>();
        var runner = new StudyRunner(study, output, results, null, null, observer)
        {
            KeepGoing = true,
            Failures = failures,
            WhyNotNow = (run, _) => run.Arm.Name == "patch" ? "about 9 min, and 0 s of the time limit is left: left for the next invocation" : null,
        };

        runner.Run(StudyPlan.Build(study, output, [0]), CancellationToken.None);

        Assert.StartsWith("square/seed-0 linprobe failed (exit 2): ", Assert.Single(failures));
        Assert.Equal(["square seed 0 · linprobe"], observer.Started);
        Assert.Equal(["random seed 0 · linprobe: square/seed-0, whose run it uses, failed above",
                      "patch seed 0 · pretrain: about 9 min, and 0 s of the time limit is left: left for the next invocation",
                      "patch seed 0 · linprobe: an earlier stage of its run waits: left for the next invocation"], observer.Skipped);
    }

    [Fact]
    public void ABadTimeLimitIsOneLineAndExitTwo()
    {
        using var folder = new TempDirectory();
        var (file, output) = StudyCommandTests.WriteTinyStudy(folder);
        CliRunner.AssertBadInput(CliRunner.Run("study", file, "--out", output, "--time-limit", "soon"),
            "--time-limit: 'soon' is not a positive duration");
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void WholeStagesWithoutATimeLimitIsOneLineAndExitTwo()
    {
        using var folder = new TempDirectory();
        var (file, output) = StudyCommandTests.WriteTinyStudy(folder);
        CliRunner.AssertBadInput(CliRunner.Run("study", file, "--out", output, "--whole-stages"),
            "--whole-stages: it says how --time-limit treats a pre-training, and no --time-limit was given");
        Assert.False(Directory.Exists(output));
    }

    /// <summary>
    /// The tiny study with square's checkpoint damaged after its SHA-256 was recorded, so square's linear probe fails when it runs again.
    /// </summary>
    static (string File, string Output) SquareWithADamagedCheckpoint(TempDirectory folder)
    {
        var (file, output, checkpoint) = SquareWithItsLinearProbeUndone(folder);
        File.WriteAllText(checkpoint, "not a checkpoint");
        return (file, output);
    }

    /// <summary>
    /// The tiny study with square seed 0 finished and then its linear probe's record taken away,
    /// so the next invocation runs that probe again; returns square's checkpoint path.
    /// </summary>
    static (string File, string Output, string Checkpoint) SquareWithItsLinearProbeUndone(TempDirectory folder)
    {
        var (file, output) = StudyCommandTests.WriteTinyStudy(folder);
        var finished = CliRunner.Run("study", file, "--out", output, "--only", "square", "--seeds", "0");
        Assert.True(finished.ExitCode == 0, finished.Out + finished.Error);
        var results = StudyResults.LoadOrCreate(output, "tiny", file);
        var square = results.Find("square", 0)!;
        square.WallSeconds.Remove(StudyStage.Linprobe);
        square.Accuracy.Remove(StudyMetric.Lin);
        results.Save(output);
        foreach (var record in Directory.GetFiles(square.Folder, "linprobe*.json")) File.Delete(record);
        return (file, output, Checkpoint.PathIn(square.Folder));
    }

    sealed class RecordingObserver : IStudyObserver
    {
        public List<string> Started { get; } = [];
        public List<string> Skipped { get; } = [];

        public void OnStage(StudyRun run, StudyStage stage, int stagesDone, int stagesTotal) =>
            Started.Add($"{run.Arm.Name} seed {run.Seed} · {StudyFile.Kebab(stage)}");

        public void OnStageProgress(double fraction, string status) { }

        public void OnStageDone(StudyRun run, StudyStage stage, TimeSpan wall, string summary) { }

        public void OnSkipped(StudyRun run, StudyStage stage, string why) =>
            Skipped.Add($"{run.Arm.Name} seed {run.Seed} · {StudyFile.Kebab(stage)}: {why}");
    }
}
