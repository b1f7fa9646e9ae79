using System.CommandLine;
using System.CommandLine.Help;
using RandSac.Cli.Commands;
using Spectre.Console;

namespace RandSac.Cli;

/// <summary>The <c>randsac</c> command line: builds the command tree and runs it.</summary>
public static class CliApp
{
    /// <summary>Exit code for bad input: a missing file, a malformed option value, a corrupt dataset.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for an unexpected failure.</summary>
    public const int Failure = 1;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.Detect,
        });
        var context = new CliContext(output, error, console);
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
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e) when (IsBadInput(e))
        {
            error.WriteLine($"randsac: error: {OneLine(e.Message)}");
            return BadInput;
        }
        catch (StudyFailedException e)
        {
            error.WriteLine($"randsac: error: {OneLine(e.Message)}");
            return Failure;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("randsac: cancelled");
            return Failure;
        }
        catch (Exception e)
        {
            error.WriteLine($"randsac: unexpected failure: {e.GetType().Name}: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("RANDSAC_DEBUG") == "1") error.WriteLine(e);
            return Failure;
        }
    }

    static bool IsBadInput(Exception e) => e is UserInputException or FormatException or ArgumentException
        or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or Data.DataException
        or UnauthorizedAccessException or IOException;

    static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>Where a command writes: plain text, errors, and a Spectre console for tables and progress.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, IAnsiConsole Console);
