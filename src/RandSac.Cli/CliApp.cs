using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
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
        using var signals = StopSignals.Listen(error, () => console.Cursor.Show());
        try
        {
            var parse = root.Parse(args);
            if (ParseProblem(parse) is { } problem) throw new UserInputException($"{problem} (see '{CommandPath(parse)} --help')");
            string command = parse.CommandResult.Command.Name;
            if (launch is not null && command != root.Name && !DataParallelCommands.Contains(command))
                throw new UserInputException($"randsac {command} does not run data-parallel; start it without an MPI launcher");
            code = parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // Signals are ours (StopSignals): a long command needs longer than a fixed timeout to finish its step.
                ProcessTerminationTimeout = null,
            }, signals.Token).GetAwaiter().GetResult();
        }
        catch (TrainingDivergedException e)
        {
            // Found after the gradients' Allreduce, so every rank throws it at the same step.
            everyRankFails = true;
            error.WriteLine($"{who}: error: {OneLine(e.Message)}");
            code = Failure;
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
            bool stopped = e is RunStoppedException || e.InnerException is RunStoppedException;
            if (signals.Received is { } signal)
            {
                console.Cursor.Show();
                error.WriteLine($"{who}: stopped by {StopSignals.NameOf(signal)}" + (stopped ? $": {OneLine(e.Message)}" : ""));
                code = StopSignals.ExitCodeOf(signal);
            }
            else
            {
                error.WriteLine(stopped ? $"{who}: {OneLine(e.Message)}" : $"{who}: cancelled");
                code = Failure;
            }
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

    /// <summary>
    /// The first thing wrong with the command line, if anything: a parse error, or a number that
    /// parses only to infinity (1e400), which no setting can use and JSON cannot record.
    /// </summary>
    static string? ParseProblem(ParseResult parse)
    {
        if (parse.Errors.Count > 0) return Readable(OneLine(parse.Errors[0].Message));
        for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
            foreach (var option in result is CommandResult command ? command.Children.OfType<OptionResult>() : [])
            {
                var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
                if (type != typeof(double)) continue;
                foreach (var token in option.Tokens)
                    if (double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && !double.IsFinite(value))
                        return $"{option.Option.Name} {token.Value} must be a finite number";
            }
        return null;
    }

    /// <summary>A parse error without .NET type names: "as expected type 'System.Nullable`1[System.Int32]'" becomes "as a whole number".</summary>
    static string Readable(string message) => Regex.Replace(message, @"as expected type '([^']*)'", match =>
    {
        string type = match.Groups[1].Value;
        return type.Contains("Int32") || type.Contains("Int64") ? "as a whole number"
            : type.Contains("Double") ? "as a number"
            : type.Contains("Boolean") ? "as true or false"
            : type.Contains("DirectoryInfo") || type.Contains("FileInfo") ? "as a path"
            : "as one of the allowed values";
    });

    /// <summary>The command that was being parsed, e.g. <c>randsac pretrain</c>, for the pointer to its help.</summary>
    static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
            if (result is CommandResult command) names.Insert(0, command.Command.Name);
        return string.Join(' ', names);
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
