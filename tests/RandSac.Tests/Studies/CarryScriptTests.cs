using System.Diagnostics;
using RandSac.Studies;
using RandSac.Training;

namespace RandSac.Tests.Studies;

/// <summary>
/// <c>tools/study/carry.sh</c> keeps a study's records between machines: records of finished
/// pre-trainings, never a checkpoint except one whose evaluation was started and has not
/// finished (or, asked with <c>--in-progress</c>, a pre-training's in progress), and a restore
/// that refuses a carried checkpoint other than the recorded one.
/// </summary>
public sealed class CarryScriptTests : IDisposable
{
    readonly TempDirectory _temp = new();
    readonly string _study, _records;

    public CarryScriptTests()
    {
        _study = _temp.Combine("study");
        _records = _temp.Combine("records");
        var results = new StudyResults
        {
            Study = "s",
            Records =
            [
                // Finished, every evaluation done: records carried, checkpoint not.
                Record("done", ArmKind.Pretrain, started: [StudyStage.Pretrain, StudyStage.Linprobe], finished: [StudyStage.Pretrain, StudyStage.Linprobe]),
                // Finished, its linear probe started and not finished: the checkpoint is carried.
                Record("probing", ArmKind.Pretrain, started: [StudyStage.Pretrain, StudyStage.Linprobe], finished: [StudyStage.Pretrain]),
                // Finished, its baseline's linear probe started and not finished: the baseline reads the config, so the checkpoint stays.
                Record("shaping", ArmKind.Pretrain, started: [StudyStage.Pretrain, StudyStage.Linprobe], finished: [StudyStage.Pretrain, StudyStage.Linprobe]),
                Record("baseline", ArmKind.RandomInit, started: [StudyStage.Linprobe], finished: [], folderOf: "shaping"),
                // A pre-training in progress: nothing of it is carried.
                Record("training", ArmKind.Pretrain, started: [StudyStage.Pretrain], finished: []),
            ],
        };
        results.Save(_study);
    }

    StudyRecord Record(string arm, ArmKind kind, StudyStage[] started, StudyStage[] finished, string? folderOf = null)
    {
        string folder = Path.Combine(_study, "runs", folderOf ?? arm, "seed-0");
        string checkpoint = Checkpoint.PathIn(folder);
        if (folderOf is null)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
            File.WriteAllText(Path.Combine(folder, "metrics.csv"), "step\n");
            File.WriteAllBytes(checkpoint, [.. SafetensorsHeader(step: 120 + arm.Length), .. Enumerable.Range(0, 64).Select(i => (byte)(i * 7 + arm.Length))]);
            File.WriteAllText(Path.Combine(folder, "events.out.tfevents.1.host"), "events");
        }
        var record = new StudyRecord
        {
            Arm = arm,
            Seed = 0,
            Kind = kind,
            Folder = folder,
            Config = new PretrainConfig(),
            CheckpointSha256 = folderOf is null && finished.Contains(StudyStage.Pretrain) ? Sha256(checkpoint) : null,
        };
        foreach (var stage in started) record.StartedBy[stage] = "build";
        foreach (var stage in finished)
        {
            record.Build[stage] = "build";
            record.WallSeconds[stage] = 1;
        }
        return record;
    }

    [JqFact]
    public void SaveCarriesRecordsAndOnlyThePendingCheckpoint()
    {
        var saved = Carry("save", _study, _records);
        Assert.True(saved.ExitCode == 0, saved.ToString());
        Assert.Contains("carried 1 checkpoint(s)", saved.Out);

        Assert.True(File.Exists(Path.Combine(_records, "study.json")));
        Assert.True(File.Exists(Path.Combine(_records, "runs", "done", "seed-0", "metrics.csv")));
        Assert.False(File.Exists(Checkpoint.PathIn(Path.Combine(_records, "runs", "done", "seed-0"))));
        Assert.Equal(File.ReadAllBytes(Checkpoint.PathIn(Path.Combine(_study, "runs", "probing", "seed-0"))),
            File.ReadAllBytes(Checkpoint.PathIn(Path.Combine(_records, "runs", "probing", "seed-0"))));
        Assert.False(File.Exists(Checkpoint.PathIn(Path.Combine(_records, "runs", "shaping", "seed-0"))));
        Assert.True(File.Exists(Path.Combine(_records, "runs", "shaping", "seed-0", "config.json")));
        Assert.False(Directory.Exists(Path.Combine(_records, "runs", "training")));
        Assert.Empty(Directory.EnumerateFiles(_records, "events.out.tfevents.*", SearchOption.AllDirectories));
    }

    [JqFact]
    public void RestoreBringsBackTheCarriedCheckpoint()
    {
        Assert.Equal(0, Carry("save", _study, _records).ExitCode);
        string restored = _temp.Combine("restored");

        var result = Carry("restore", _records, restored);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(restored, "study.json")));
        Assert.Equal(File.ReadAllBytes(Checkpoint.PathIn(Path.Combine(_study, "runs", "probing", "seed-0"))),
            File.ReadAllBytes(Checkpoint.PathIn(Path.Combine(restored, "runs", "probing", "seed-0"))));
    }

    [JqFact]
    public void RestoreRefusesACheckpointThatIsNotTheRecordedOne()
    {
        Assert.Equal(0, Carry("save", _study, _records).ExitCode);

        var error = RestoreRefusesAChangedCheckpointOf("probing");

        Assert.Contains("SHA-256", error);
    }

    /// <summary>Flips a byte of <paramref name="run"/>'s carried checkpoint, checks that restore refuses it in one line naming the run, and returns that line.</summary>
    string RestoreRefusesAChangedCheckpointOf(string run)
    {
        string carried = Checkpoint.PathIn(Path.Combine(_records, "runs", run, "seed-0"));
        var bytes = File.ReadAllBytes(carried);
        bytes[^1] ^= 1;
        File.WriteAllBytes(carried, bytes);
        string restored = _temp.Combine("restored");

        var result = Carry("restore", _records, restored);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"runs/{run}/seed-0", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(restored));
        return result.Error;
    }

    [JqFact]
    public void RestoreNeverOverwritesAStudy()
    {
        Assert.Equal(0, Carry("save", _study, _records).ExitCode);
        string before = File.ReadAllText(Path.Combine(_study, "study.json"));

        var result = Carry("restore", _records, _study);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("study.json exists", result.Error);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_study, "study.json")));
    }

    [JqFact]
    public void SaveInProgressAlsoCarriesThePreTrainingInProgress()
    {
        var saved = Carry("save", "--in-progress", _study, _records);

        Assert.True(saved.ExitCode == 0, saved.ToString());
        Assert.Contains("carried the pre-training in progress runs/training/seed-0 (checkpoint of step 128)", saved.Out);
        string training = Path.Combine(_records, "runs", "training", "seed-0");
        Assert.Equal(File.ReadAllBytes(Checkpoint.PathIn(Path.Combine(_study, "runs", "training", "seed-0"))),
            File.ReadAllBytes(Checkpoint.PathIn(training)));
        Assert.True(File.Exists(Path.Combine(training, "config.json")));
        Assert.True(File.Exists(Path.Combine(training, "metrics.csv")));
        Assert.Empty(Directory.EnumerateFiles(_records, "events.out.tfevents.*", SearchOption.AllDirectories));
        Assert.Equal($"{Sha256(Checkpoint.PathIn(training))}  runs/training/seed-0/{Checkpoint.FileName}",
            File.ReadAllText(Path.Combine(_records, "in-progress.sha256")).Trim());
        // A finished run's checkpoint is still not carried.
        Assert.False(File.Exists(Checkpoint.PathIn(Path.Combine(_records, "runs", "done", "seed-0"))));
    }

    [JqFact]
    public void ASaveWithoutInProgressDropsAPreviouslyCarriedOne()
    {
        Assert.Equal(0, Carry("save", "--in-progress", _study, _records).ExitCode);

        Assert.Equal(0, Carry("save", _study, _records).ExitCode);

        Assert.False(Directory.Exists(Path.Combine(_records, "runs", "training")));
        Assert.False(File.Exists(Path.Combine(_records, "in-progress.sha256")));
    }

    [JqFact]
    public void RestoreBringsBackThePreTrainingInProgress()
    {
        Assert.Equal(0, Carry("save", "--in-progress", _study, _records).ExitCode);
        string restored = _temp.Combine("restored");

        var result = Carry("restore", _records, restored);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(File.ReadAllBytes(Checkpoint.PathIn(Path.Combine(_study, "runs", "training", "seed-0"))),
            File.ReadAllBytes(Checkpoint.PathIn(Path.Combine(restored, "runs", "training", "seed-0"))));
        Assert.False(File.Exists(Path.Combine(restored, "in-progress.sha256")));
    }

    [JqFact]
    public void RestoreRefusesAPreTrainingInProgressWhoseCheckpointChanged()
    {
        Assert.Equal(0, Carry("save", "--in-progress", _study, _records).ExitCode);

        var error = RestoreRefusesAChangedCheckpointOf("training");

        Assert.Contains("in-progress.sha256", error);
    }

    /// <summary>A safetensors header with no tensors and the step in its metadata, as a checkpoint's begins.</summary>
    static byte[] SafetensorsHeader(int step)
    {
        byte[] json = System.Text.Encoding.UTF8.GetBytes($$$"""{"__metadata__":{"step":"{{{step}}}"}}""");
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json];
    }

    static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    sealed record Result(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
    }

    static Result Carry(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "tools", "study", "carry.sh"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>A test of a script that needs jq; skipped, with the reason, where it is absent.</summary>
sealed class JqFactAttribute : FactAttribute
{
    public JqFactAttribute()
    {
        if (ExecutableOnPath.Find("jq") is null) Skip = "jq is not installed (apt-get install jq)";
    }
}
