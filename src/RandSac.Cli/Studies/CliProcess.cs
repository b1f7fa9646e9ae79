using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RandSac.Cli.Studies;

/// <summary>
/// Runs another <c>randsac</c> command of this same build as a child process, so each stage of
/// a study is an ordinary command on an ordinary run folder, and a crash in one stage cannot take
/// the study down with it. Output lines go to a log file and to <c>onLine</c>.
/// </summary>
public static class CliProcess
{
    /// <summary>The child's exit code and its last error line (empty when it printed none).</summary>
    public sealed record Outcome(int ExitCode, string LastError);

    public static Outcome Run(IReadOnlyList<string> args, string logPath, Action<string> onLine, CancellationToken cancel)
    {
        var start = StartInfo();
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["NO_COLOR"] = "1";
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        using var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        log.WriteLine($"# {DateTimeOffset.UtcNow:u} randsac {string.Join(' ', args)}");
        string lastError = "";
        var gate = new object();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (gate) log.WriteLine(e.Data);
            onLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (gate) log.WriteLine(e.Data);
            if (e.Data.Trim().Length > 0) lastError = e.Data.Trim();
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // On cancellation the child is asked to stop as a scheduler would (SIGTERM: finish the step, checkpoint), then waited for.
        using (cancel.Register(() => Terminate(process)))
            process.WaitForExit();
        return new Outcome(process.ExitCode, lastError);
    }

    static ProcessStartInfo StartInfo()
    {
        string dll = typeof(CliApp).Assembly.Location;
        string appHost = Path.Combine(Path.GetDirectoryName(dll)!, OperatingSystem.IsWindows() ? "RandSac.Cli.exe" : "RandSac.Cli");
        if (File.Exists(appHost)) return new ProcessStartInfo(appHost);
        var dotnet = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        dotnet.ArgumentList.Add("exec");
        dotnet.ArgumentList.Add(dll);
        return dotnet;
    }

    static void Terminate(Process process)
    {
        try
        {
            if (OperatingSystem.IsWindows()) process.Kill(entireProcessTree: true);
            else if (Kill(process.Id, SigTerm) != 0) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);
}
