using System.CommandLine;
using System.CommandLine.Help;
using RandSac.Cli.Commands;
using RandSac.Distributed;
using RandSac.Training;
using Spectre.Console;

namespace RandSac.Cli;

/// <summary>The <c>randsac</c> command line: builds the command tree and runs it.</summary>
public static class CliApp
{
    /// <summary>Exit code for bad input: a missing file, a malformed option value, a corrupt dataset.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for an unexpected failure.</summary>
    public const int Failure = 1;

    /// <summary>The commands that run data-parallel when launched under MPI; the others refuse such a launch.</summary>
    static readonly string[] DataParallelCommands = ["pretrain", "finetune", "bench"];

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        MpiLaunch? launch;
        ICommunicator? world;
        try
        {
            // Read from the environment only: a plain start never loads an MPI library.
            launch = MpiLaunch.FromEnvironment();
            // Under a launcher every rank joins before anything can fail, so that a failure on
            // one rank (even a mistyped option) can end the job instead of leaving the others
            // waiting for it.
            world = launch is null ? null : MpiCommunicator.Join(launch);
        }
        catch (MpiLaunchException e)
        {
            error.WriteLine($"randsac: error: {OneLine(e.Message)}");
            return BadInput;
        }
        // Rank 0 reports; the other ranks print nothing but errors.
        if (launch is { Rank: > 0 }) output = TextWriter.Null;
        string who = launch is null ? "randsac" : $"randsac: rank {launch.Rank} of {launch.Size}";
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.Detect,
        });
        var context = new CliContext(output, error, console) { Launch = launch, World = world };
        // A named command rather than RootCommand, whose name would be the assembly's (RandSac.Cli).
        var root = new Command("randsac", "RandSac: self-supervised pre-training of Vision Transformers with RandSAC " +
                                          "(Random Segments with Autoregressive Coding), and its evaluation.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(DatasetCommand.Create(context));
        root.Subcommands.Add(PlanCommand.Create(context));
        root.Subcommands.Add(PretrainCommand.Create(context));
        root.Subcommands.Add(ReconstructCommand.Create(context));
        root.Subcommands.Add(ExportCommand.Create(context));
        root.Subcommands.Add(LinprobeCommand.Create(context));
        root.Subcommands.Add(FinetuneCommand.Create(context));
        root.Subcommands.Add(KnnCommand.Create(context));
        root.Subcommands.Add(EmbedCommand.Create(context));
        root.Subcommands.Add(BenchCommand.Create(context));
        root.Subcommands.Add(FlopsCommand.Create(context));
        root.Subcommands.Add(StudyCommand.Create(context));
        int code;
        bool everyRankFails = false;
        try
        {
            var parse = root.Parse(args);
            string command = parse.CommandResult.Command.Name;
            if (launch is not null && command != root.Name && !DataParallelCommands.Contains(command))
                throw new UserInputException($"randsac {command} does not run data-parallel; start it without an MPI launcher");
            code = parse.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e) when (IsBadInput(e))
        {
            error.WriteLine($"{who}: error: {OneLine(e.Message)}");
            code = BadInput;
        }
        catch (StudyFailedException e)
        {
            error.WriteLine($"{who}: error: {OneLine(e.Message)}");
            code = Failure;
        }
        catch (OperationCanceledException e)
        {
            error.WriteLine(e is RunStoppedException ? $"{who}: {e.Message}" : $"{who}: cancelled");
            code = Failure;
        }
        catch (Exception e)
        {
            // Found by a collective, so every rank throws it at the same point.
            everyRankFails = e is ReplicaDivergenceException;
            error.WriteLine($"{who}: unexpected failure: {e.GetType().Name}: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("RANDSAC_DEBUG") == "1") error.WriteLine(e);
            code = Failure;
        }
        context.LeaveWorld(code, everyRankFails);
        return code;
    }

    static bool IsBadInput(Exception e) => e is UserInputException or FormatException or ArgumentException
        or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or Data.DataException
        or UnauthorizedAccessException or IOException or MpiLaunchException;

    static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>
/// Where a command writes: plain text, errors, and a Spectre console for tables and progress;
/// and the MPI launch it was started by, if any.
/// </summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, IAnsiConsole Console)
{
    public MpiLaunch? Launch { get; init; }

    /// <summary>The MPI job this process is a rank of; null for a plain start.</summary>
    public ICommunicator? World { get; init; }

    /// <summary>The ranks a data-parallel command runs over: one process for a plain start, else the MPI job.</summary>
    public DataParallel Ranks() => World is null || Launch is null
        ? DataParallel.Single
        : new DataParallel(World) { DefaultThreads = Launch.ThreadsPerRank(CpuThreads.PhysicalCores) };

    /// <summary>
    /// Ends MPI after a command: finalises on success, or on a failure every rank shares; on any
    /// other failure aborts the whole job, so the other ranks do not wait for this one forever
    /// (its error line names it).
    /// </summary>
    internal void LeaveWorld(int exitCode, bool everyRankFails)
    {
        if (World is null) return;
        if (exitCode == 0 || everyRankFails) World.Dispose();
        else World.Abort(exitCode);
    }
}
