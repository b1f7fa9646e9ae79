using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>Loads a checkpoint for a command, and says so in one line when it could not be verified.</summary>
public static class CheckpointFile
{
    public static Checkpoint Load(CliContext context, string path)
    {
        var checkpoint = Checkpoint.Load(path);
        if (checkpoint.IntegrityWarning is { } warning) context.Error.WriteLine($"randsac: warning: {warning}");
        return checkpoint;
    }
}
