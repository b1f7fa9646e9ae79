using System.Globalization;

namespace RandSac.Tests.Cli;

/// <summary>
/// A test that sends SIGINT to a child CLI; skipped, with the reason, when this test process
/// ignores SIGINT. A child inherits an ignored SIGINT (POSIX keeps SIG_IGN across exec, and .NET
/// then installs no handler for it), and a non-interactive shell starts its <c>&amp;</c> jobs that
/// way, so from a background script such a test could only time out.
/// </summary>
sealed class SigintFactAttribute : FactAttribute
{
    public SigintFactAttribute()
    {
        if (SigintIgnored()) Skip = "SIGINT is ignored in this test process (started as a background job of a non-interactive shell?), " +
                                    "so the CLI child cannot receive it; run the tests in the foreground";
    }

    /// <summary>Whether signal 2 is in this process's ignored set (Linux's /proc/self/status SigIgn mask).</summary>
    static bool SigintIgnored()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return false;
        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
               && ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong ignored)
               && (ignored & (1UL << (ChildCli.SigInt - 1))) != 0;
    }
}
