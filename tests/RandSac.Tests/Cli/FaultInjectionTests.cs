using RandSac.Training;

namespace RandSac.Tests.Cli;

/// <summary>
/// The real CLI as a child process, attacked as a user or a cluster would: kill -9 at random
/// moments (one inside a checkpoint write), SIGINT, SIGTERM, a second signal, a second writer.
/// </summary>
public sealed class FaultInjectionTests : IDisposable
{
    /// <summary>16×16 synthetic images, batch 8: 8 steps an epoch, tens of milliseconds each.</summary>
    static readonly string[] Tiny = Pretrain(imageSize: 16, batch: 8);

    /// <summary>
    /// 32×32 images, batch 64: one step an epoch, about half a second, so that a second signal sent
    /// once the first is acknowledged still finds the process inside its step.
    /// </summary>
    static readonly string[] SlowSteps = Pretrain(imageSize: 32, batch: 64);

    static string[] Pretrain(int imageSize, int batch) =>
    [
        "pretrain", "--image-size", $"{imageSize}", "--synthetic-count", "64", "--decoder-depth", "1", "--batch", $"{batch}",
        "--threads", "1", "--warmup-epochs", "0.5",
    ];

    static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static int Rows(string folder)
    {
        string path = Path.Combine(folder, MetricsLog.FileName);
        return File.Exists(path) ? MetricsLog.ReadLosses(path).Count : 0;
    }

    static long CheckpointStep(string folder)
    {
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(folder));
        return checkpoint.Step;
    }

    [Fact]
    public void KilledAtRandomMomentsAndInsideACheckpointWriteTheRunResumesBitExact()
    {
        string[] run = [.. Tiny, "--epochs", "2", "--checkpoint-every", "1"];
        string straight = _temp.Combine("straight"), killed = _temp.Combine("killed");
        var result = ChildCli.Run([.. run, "--out", straight]);
        Assert.True(result.ExitCode == 0, result.Error);

        var random = new Random(20261201);
        string temp = Checkpoint.PathIn(killed) + ".tmp";
        // Three kills: at a random step and moment, inside a checkpoint write, at a random step again.
        for (int kill = 0; kill < 3; kill++)
        {
            bool resume = File.Exists(Checkpoint.PathIn(killed));
            using var child = ChildCli.Start([.. run, "--out", killed, .. resume ? new[] { "--resume" } : []]);
            if (kill == 1)
            {
                child.WaitUntil(() => File.Exists(temp), Patience, pollMilliseconds: 1);
            }
            else
            {
                int target = Rows(killed) + random.Next(1, 4);
                child.WaitUntil(() => Rows(killed) >= target, Patience);
                Thread.Sleep(random.Next(0, 40));
            }
            child.Signal(ChildCli.SigKill);
            child.WaitForExit(Patience);
        }
        result = ChildCli.Run([.. run, "--out", killed, "--resume"]);
        Assert.True(result.ExitCode == 0, result.Error);

        Assert.False(File.Exists(temp), "the interrupted write's temporary file is removed");
        Assert.Equal(File.ReadAllBytes(Checkpoint.PathIn(straight)), File.ReadAllBytes(Checkpoint.PathIn(killed)));
        var losses = MetricsLog.ReadLosses(Path.Combine(killed, MetricsLog.FileName));
        Assert.Equal(MetricsLog.ReadLosses(Path.Combine(straight, MetricsLog.FileName)), losses);
        Assert.Equal(Enumerable.Range(1, 16).Select(s => (long)s), losses.Select(l => l.Step));
    }

    [SigintFact]
    public void SigintAndSigtermFinishTheStepCheckpointItAndExitWith130And143()
    {
        string folder = _temp.Combine("signals");
        string[] run = [.. Tiny, "--epochs", "500", "--checkpoint-every", "1000", "--out", folder];
        using (var child = ChildCli.Start(run))
        {
            child.WaitUntil(() => Rows(folder) >= 2, Patience);
            child.Signal(ChildCli.SigInt);
            var result = child.WaitForExit(Patience);
            Assert.True(result.ExitCode == 130, result.Error);
            long step = CheckpointStep(folder);
            Assert.Equal(Rows(folder), step);
            Assert.Contains($"stopped by SIGINT: pre-training stopped after step {step}", result.Error);
            Assert.Contains($"resume with: randsac pretrain --out {folder} --resume", result.Error);
        }
        using (var child = ChildCli.Start([.. run, "--resume"]))
        {
            long before = CheckpointStep(folder);
            child.WaitUntil(() => Rows(folder) >= before + 2, Patience);
            child.Signal(ChildCli.SigTerm);
            var result = child.WaitForExit(Patience);
            Assert.True(result.ExitCode == 143, result.Error);
            Assert.Contains("stopped by SIGTERM", result.Error);
            Assert.Equal(Rows(folder), CheckpointStep(folder));
        }
    }

    [SigintFact]
    public void ASecondSignalAbortsAtOnce()
    {
        string folder = _temp.Combine("twice");
        using var child = ChildCli.Start([.. SlowSteps, "--epochs", "500", "--out", folder]);
        child.WaitUntil(() => Rows(folder) >= 1, Patience);
        child.Signal(ChildCli.SigInt);
        // Sent only once the first is seen: two of one signal pending at once are delivered as one.
        child.WaitUntil(() => child.Error.Contains("SIGINT received: finishing the current step"), Patience);
        child.Signal(ChildCli.SigInt);
        var result = child.WaitForExit(Patience);
        Assert.True(result.ExitCode == 130, result.Error);
        Assert.Contains("received again: aborting without saving", result.Error);
    }

    [SigintFact]
    public void AParentRelayingTheSameCtrlCAsSigtermDoesNotAbort()
    {
        // A terminal's Ctrl-C reaches the child directly and again from its parent (randsac study).
        string folder = _temp.Combine("relayed");
        using var child = ChildCli.Start([.. Tiny, "--epochs", "500", "--out", folder]);
        child.WaitUntil(() => Rows(folder) >= 1, Patience);
        // Both at once, as a parent relays it (waiting to read the first acknowledgement let a tiny
        // run save and exit before the second could reach it). The runtime may hand them to the
        // handler in either order: the first decides the exit code, the other is the relay.
        child.Signal(ChildCli.SigInt);
        child.Signal(ChildCli.SigTerm);
        child.WaitUntil(() => child.Error.Contains("stopped by"), Patience);
        bool interruptFirst = child.Error.Contains("SIGINT received: finishing the current step");
        // And the relay once more while the stopped process shuts down (LibTorch takes a while to unload).
        child.TrySignal(interruptFirst ? ChildCli.SigTerm : ChildCli.SigInt);
        var result = child.WaitForExit(Patience);
        Assert.True(result.ExitCode == (interruptFirst ? 130 : 143), result.Error);
        Assert.Contains($"{(interruptFirst ? "SIGTERM" : "SIGINT")} received too: still finishing the current step", result.Error);
        Assert.Equal(Rows(folder), CheckpointStep(folder));
    }

    [Fact]
    public void ASecondWriterIsRefusedAtOnceNamingTheHoldersPid()
    {
        string folder = _temp.Combine("live");
        string[] run = [.. Tiny, "--epochs", "500", "--checkpoint-every", "1", "--out", folder];
        using var child = ChildCli.Start(run);
        child.WaitUntil(() => File.Exists(Checkpoint.PathIn(folder)) && Rows(folder) >= 2, Patience);

        // A fresh run and a resume, while the first one trains.
        var fresh = CliRunner.Run([.. run]);
        CliRunner.AssertBadInput(fresh, $"is in use by process {child.Id}", RunFolderLock.FileName);
        var resume = CliRunner.Run([.. run, "--resume"]);
        CliRunner.AssertBadInput(resume, $"is in use by process {child.Id}");

        child.Signal(ChildCli.SigTerm);
        Assert.Equal(143, child.WaitForExit(Patience).ExitCode);
        // The log stayed one run's: every step once, in order.
        var steps = MetricsLog.ReadLosses(Path.Combine(folder, MetricsLog.FileName)).Select(l => l.Step).ToList();
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(s => (long)s), steps);
        Assert.Equal(File.ReadAllLines(Path.Combine(folder, MetricsLog.FileName)).Length - 1, steps.Count);
    }
}
