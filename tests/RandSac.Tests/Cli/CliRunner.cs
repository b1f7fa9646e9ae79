using RandSac.Cli;

namespace RandSac.Tests.Cli;

/// <summary>Runs the <c>randsac</c> command line in-process and captures what it prints.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Exit code 2 and exactly one line that starts as every error does and says what.</summary>
    public static void AssertBadInput(Result result, params string[] fragments)
    {
        Assert.Equal(CliApp.BadInput, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("randsac: error: ", line);
        foreach (var fragment in fragments) Assert.Contains(fragment, line);
    }
}
