using RandSac.Cli;
using RandSac.Data;
using RandSac.Training;

namespace RandSac.Tests.Evaluation;

/// <summary>
/// A pre-trained checkpoint small enough for unit tests (16×16 synthetic images, two steps),
/// made once per test class in its own temporary folder, and an in-process CLI runner.
/// </summary>
public sealed class TinyRun : IDisposable
{
    public TinyRun()
    {
        Root = Directory.CreateTempSubdirectory("randsac-eval-").FullName;
        Folder = Path.Combine(Root, "run");
        new Pretraining(Config, Folder).Run(resume: false);
    }

    public static PretrainConfig Config { get; } = new()
    {
        Dataset = new DatasetSpec { Kind = DatasetKind.Synthetic, ImageSize = 16, SyntheticCount = 64 },
        Patch = 4,
        Model = "mini",
        DecoderDepth = 1,
        Epochs = 1,
        Batch = 8,
        WarmupEpochs = 0.5,
        Threads = 1,
        MaxSteps = 2,
    };

    public string Root { get; }
    public string Folder { get; }
    public string CheckpointPath => Checkpoint.PathIn(Folder);

    public static (int Code, string Out, string Error) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Leftovers in temp are harmless.
        }
    }
}
