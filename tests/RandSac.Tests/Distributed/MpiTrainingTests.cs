using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Tests.Distributed;

/// <summary>
/// Data-parallel pre-training under MPICH, as users launch it: <c>mpiexec -n 2 randsac pretrain</c>
/// against one plain process, on a small model and synthetic 16×16 images.
/// </summary>
public sealed class MpiTrainingTests : IDisposable
{
    /// <summary>Relative agreement of 2 ranks × 32 with 1 × 64: float32 summation order only.</summary>
    const double LossTolerance = 1e-6;

    /// <summary>
    /// Final weights: ‖Δ‖₂ / ‖w‖₂ over the whole model (measured 1.1e-6). Per tensor it can be far
    /// larger where the true gradient is zero (attention key biases): AdamW scales the float noise
    /// there to steps of the learning rate's size, in one process as much as on two ranks.
    /// </summary>
    const double WeightTolerance = 1e-5;

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Blob segments pad each slice to its own longest plan, so the loss weighting by loss terms is exercised too.</summary>
    static string[] Run(string folder, int batch, long maxSteps, int seed = 5, params string[] more) =>
    [
        "pretrain", "--out", folder, "--synthetic-count", "256", "--image-size", "16", "--patch", "4", "--model", "mini",
        "--decoder-depth", "1", "--segments", "blob:4", "--order", "random", "--batch", $"{batch}", "--epochs", "2",
        "--warmup-epochs", "0", "--seed", $"{seed}", "--threads", "1", "--max-steps", $"{maxSteps}", .. more,
    ];

    [MpiFact]
    public void TwoRanksAtBatch64TrainLikeOneProcessAtBatch64()
    {
        string one = _temp.Combine("one"), two = _temp.Combine("two");
        var plain = MpiJob.Plain(Run(one, 64, 3, more: ["--accumulation", "2"]));
        Assert.True(plain.ExitCode == 0, plain.ToString());
        var ranks = MpiJob.Ranks(2, Run(two, 64, 3, more: ["--accumulation", "2"]));
        Assert.True(ranks.ExitCode == 0, ranks.ToString());
        Assert.Contains("data-parallel over 2 ranks", ranks.Out);
        Assert.Contains("32 images per rank", ranks.Out);

        var lossesOne = Losses(one);
        var lossesTwo = Losses(two);
        Assert.Equal([1L, 2, 3], lossesTwo.Select(l => l.Step));
        foreach (var (a, b) in lossesOne.Zip(lossesTwo))
            Assert.True(Math.Abs(a.Loss - b.Loss) <= LossTolerance * Math.Abs(a.Loss), $"step {a.Step}: loss {a.Loss} alone, {b.Loss} on 2 ranks");

        using var x = Checkpoint.Load(Checkpoint.PathIn(one));
        using var y = Checkpoint.Load(Checkpoint.PathIn(two));
        Assert.Equal(x.MicroBatches, y.MicroBatches);
        double difference = 0, norm = 0;
        foreach (var (name, tensor) in x.Model)
        {
            difference += (tensor - y.Model[name]).square().sum().item<float>();
            norm += tensor.square().sum().item<float>();
        }
        double relative = Math.Sqrt(difference / norm);
        Assert.True(relative <= WeightTolerance, $"the final weights differ by {relative:G3} (relative L2)");
    }

    [MpiFact]
    public void ResumingUnderMpiIsExactAtTheSameWorldSizeAndContinuesOnAnother()
    {
        string straight = _temp.Combine("straight"), split = _temp.Combine("split"), alone = _temp.Combine("alone");
        Assert.Equal(0, MpiJob.Ranks(2, Run(straight, 16, 4)).ExitCode);
        var first = MpiJob.Ranks(2, Run(split, 16, 2));
        Assert.True(first.ExitCode == 0, first.ToString());
        CopyFolder(split, alone);
        var resumed = MpiJob.Ranks(2, "pretrain", "--out", split, "--resume", "--max-steps", "4");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());

        using (var a = Checkpoint.Load(Checkpoint.PathIn(straight)))
        using (var b = Checkpoint.Load(Checkpoint.PathIn(split)))
        {
            Assert.Equal(4, b.Step);
            foreach (var (name, tensor) in a.Model) Assert.True(TensorAssert.Same(tensor, b.Model[name]), $"model.{name} differs");
            foreach (var (name, tensor) in a.Optimizer) Assert.True(TensorAssert.Same(tensor, b.Optimizer[name]), $"optimizer.{name} differs");
        }
        Assert.Equal(Losses(straight), Losses(split));

        // One process continues the two ranks' run: the same batches, the same losses up to summation order.
        var single = MpiJob.Plain("pretrain", "--out", alone, "--resume", "--max-steps", "4");
        Assert.True(single.ExitCode == 0, single.ToString());
        foreach (var (a, b) in Losses(straight).Zip(Losses(alone)))
            Assert.True(Math.Abs(a.Loss - b.Loss) <= 1e-5 * Math.Abs(a.Loss), $"step {a.Step}: {a.Loss} on 2 ranks, {b.Loss} resumed alone");
    }

    [MpiFact]
    public void WithDropPathAResumeUnderMpiIsStillExact()
    {
        // Each rank reseeds its stochastic depth from the micro-batch's position, not from the restored generator.
        string straight = _temp.Combine("drop-straight"), split = _temp.Combine("drop-split");
        string[] dropPath = ["--drop-path", "0.5"];
        Assert.Equal(0, MpiJob.Ranks(2, Run(straight, 16, 4, more: dropPath)).ExitCode);
        Assert.Equal(0, MpiJob.Ranks(2, Run(split, 16, 2, more: dropPath)).ExitCode);
        var resumed = MpiJob.Ranks(2, "pretrain", "--out", split, "--resume", "--max-steps", "4");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(Losses(straight), Losses(split));
    }

    [MpiFact]
    public void FineTuningOnTwoRanksTrainsLikeOneProcessWithoutPerRankRandomness()
    {
        string run = _temp.Combine("pretrained");
        Assert.Equal(0, MpiJob.Plain(Run(run, 16, 1)).ExitCode);
        // Without mixup, cutmix and drop path nothing is drawn per rank; RandAugment is drawn per image position.
        string[] finetune = ["finetune", "--checkpoint", run, "--epochs", "1", "--batch", "16", "--train-subset", "64",
            "--test-subset", "32", "--mixup", "0", "--cutmix", "0", "--drop-path", "0", "--threads", "1"];
        var plain = MpiJob.Plain(finetune);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        var ranks = MpiJob.Ranks(2, finetune);
        Assert.True(ranks.ExitCode == 0, ranks.ToString());
        Assert.Contains("8 images per rank", ranks.Out);

        double alone = FinalLoss(Path.Combine(run, "finetune.json")), together = FinalLoss(Path.Combine(run, "finetune-2.json"));
        Assert.True(Math.Abs(alone - together) <= 1e-5 * alone, $"final loss {alone} alone, {together} on 2 ranks");
        Assert.False(File.Exists(Path.Combine(run, "finetune-3.json")), "only rank 0 writes the record");
    }

    static double FinalLoss(string record) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(record)).RootElement.GetProperty("final-loss").GetDouble();

    [MpiFact]
    public void RanksThatStartFromDifferentWeightsAreCaughtByTheChecksum()
    {
        string folder = _temp.Combine("diverged");
        var result = MpiJob.TwoPrograms(Run(folder, 16, 2), Run(folder, 16, 2, seed: 6));
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.True(result.Error.Contains("randsac: rank 0 of 2: unexpected failure: ReplicaDivergenceException: the model replicas diverged by step 2: " +
                        "the weights of rank 1 differ from rank 0's"), result.ToString());
    }

    [MpiFact]
    public void AMistypedOptionOnOneRankEndsTheJob()
    {
        string folder = _temp.Combine("mistyped");
        var result = MpiJob.TwoPrograms(Run(folder, 16, 2), [.. Run(folder, 16, 2), "--no-such-option"]);
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.True(result.Error.Contains("--no-such-option"), result.ToString());
    }

    [MpiFact]
    public void ARankThatFailsEndsTheJobAndSaysWhich()
    {
        string folder = _temp.Combine("failing");
        var result = MpiJob.TwoPrograms(Run(folder, 16, 2),
            ["pretrain", "--out", folder, "--dataset", "cifar10", "--data", _temp.Combine("no-such-folder"), "--batch", "16", "--max-steps", "2"]);
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.True(result.Error.Contains("randsac: rank 1 of 2: error: "), result.ToString());
        Assert.True(result.Error.Contains("no-such-folder"), result.ToString());
    }

    [MpiFact]
    public void AKilledRankEndsTheJobAndLeavesTheLastCheckpoint()
    {
        string folder = _temp.Combine("killed");
        var job = MpiJob.StartRanks(2, Run(folder, 16, 10_000, more: ["--checkpoint-every", "2"]));
        string checkpoint = Checkpoint.PathIn(folder);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && clock.Elapsed < TimeSpan.FromSeconds(120)) Thread.Sleep(100);
        Assert.True(File.Exists(checkpoint), "no checkpoint within 120 s");
        int victim = RankProcess(folder, rank: 1);
        System.Diagnostics.Process.GetProcessById(victim).Kill();
        var result = job.Wait();

        Assert.True(result.ExitCode != 0, result.ToString());
        // The launcher names the dead process; the start line maps process ids to ranks.
        Assert.Contains($"PID {victim} ", result.Out + result.Error);
        Assert.Contains($"1:{victim}", result.Out);
        using var survivor = Checkpoint.Load(checkpoint);
        Assert.True(survivor.Step >= 2 && survivor.Step % 2 == 0, $"checkpoint at step {survivor.Step}");
    }

    [MpiFact]
    public void ASigtermToTheJobStopsEveryRankAfterTheSameStepWithOneCheckpoint()
    {
        string folder = _temp.Combine("terminated");
        // No periodic checkpoint: the one that exists afterwards is the stop's.
        var job = MpiJob.StartRanks(2, Run(folder, 16, 10_000, more: ["--checkpoint-every", "10000"]));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Losses(folder).Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(120)) Thread.Sleep(50);
        Assert.True(Losses(folder).Count >= 2, "fewer than 2 steps within 120 s");
        job.Signal(RandSac.Tests.Cli.ChildCli.SigTerm);
        var result = job.Wait();

        Assert.True(result.ExitCode == 143, result.ToString());
        using var checkpoint = Checkpoint.Load(Checkpoint.PathIn(folder));
        long step = checkpoint.Step;
        Assert.Equal(step, Losses(folder)[^1].Step);
        Assert.Contains($"rank 0 of 2: stopped by SIGTERM: pre-training stopped after step {step};", result.Error);
        Assert.Contains($"rank 1 of 2: stopped by SIGTERM: stopped after step {step};", result.Error);
    }

    /// <summary>The process id of rank <paramref name="rank"/> of the job training into <paramref name="folder"/>.</summary>
    static int RankProcess(string folder, int rank)
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int id)) continue;
            try
            {
                string commandLine = File.ReadAllText(Path.Combine(entry, "cmdline"));
                if (!commandLine.Contains(folder) || !commandLine.Contains("RandSac.Cli.dll")) continue;
                if (File.ReadAllText(Path.Combine(entry, "environ")).Split('\0').Contains($"PMI_RANK={rank}")) return id;
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        throw new InvalidOperationException($"no rank {rank} training into {folder}");
    }

    static List<(long Step, double Loss)> Losses(string folder) =>
        MetricsLog.ReadLosses(Path.Combine(folder, MetricsLog.FileName)).Select(l => (l.Step, l.Loss)).ToList();

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
