using System.Buffers.Binary;
using System.Text;
using RandSac.Studies;
using RandSac.Training;

namespace RandSac.Tests.Studies;

/// <summary>How long the study expects a stage to take.</summary>
public class StudyEstimateTests
{
    [Fact]
    public void APretrainingThatContinuesFromACheckpointIsEstimatedForTheStepsAfterIt()
    {
        using var folder = new TempDirectory();
        // 1 epoch of 48 images at batch 8 is 6 steps.
        var (study, square) = TinySquare(folder, StudyCommandTests.TinyStudy.Replace("\"max-steps\": 2", "\"max-steps\": 6"));
        var estimate = StudyEstimate.Measure(study, [square], (_, _) => true, channels: 3, imageSize: 16, trainImages: 48, testImages: 48,
            threads: 1, log: null, CancellationToken.None);
        double whole = estimate.Seconds(square, StudyStage.Pretrain);
        Assert.True(whole > 0);

        WriteCheckpointAtStep(Checkpoint.PathIn(square.CheckpointFolder), 4);
        Assert.Equal(whole / 3, estimate.Seconds(square, StudyStage.Pretrain), 9);
        WriteCheckpointAtStep(Checkpoint.PathIn(square.CheckpointFolder), 6);
        Assert.Equal(0, estimate.Seconds(square, StudyStage.Pretrain));
    }

    [Fact]
    public void OnlyARunWithAStageLeftIsMeasuredAndAnEvaluationLeftIsEnough()
    {
        using var folder = new TempDirectory();
        var (study, square) = TinySquare(folder, StudyCommandTests.TinyStudy);
        StudyEstimate Measure(Func<StudyRun, StudyStage, bool> pending, List<string> log) => StudyEstimate.Measure(study, [square], pending,
            channels: 3, imageSize: 16, trainImages: 48, testImages: 48, threads: 1, log.Add, CancellationToken.None);

        var finished = new List<string>();
        Assert.Equal(0, Measure((_, _) => false, finished).Seconds(square, StudyStage.Linprobe));
        Assert.Empty(finished);

        var probeLeft = new List<string>();
        Assert.True(Measure((_, stage) => stage == StudyStage.Linprobe, probeLeft).Seconds(square, StudyStage.Linprobe) > 0);
        Assert.Single(probeLeft);
    }

    /// <summary>A tiny study written to a file and loaded, and its square arm's run at seed 0.</summary>
    static (StudyDefinition Study, StudyRun Square) TinySquare(TempDirectory folder, string studyText)
    {
        string file = folder.Combine("tiny.json");
        File.WriteAllText(file, studyText);
        var study = StudyFile.Load(file);
        return (study, StudyPlan.Build(study, folder.Combine("out"), [0], ["square"]).Single(r => r.Arm.Name == "square"));
    }

    /// <summary>A safetensors file with no tensors whose header records a step, as far as the estimate reads it.</summary>
    static void WriteCheckpointAtStep(string path, long step)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        byte[] header = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"step\":\"" + step + "\"}}");
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }
}
