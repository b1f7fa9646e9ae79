using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace RandSac.Tests.Cli;

/// <summary>
/// The real <c>randsac</c> executable run as a child process, for what only a separate process
/// can show: signals, kill -9, and two writers on one run folder.
/// </summary>
public sealed class ChildCli : IDisposable
{
    public const int SigInt = 2, SigKill = 9, SigTerm = 15;

    readonly Process _process;
    readonly StringBuilder _out = new(), _error = new();

    ChildCli(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_out, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ChildCli Start(params string[] args)
    {
        // The CLI's build output sits beside the tests' (a project reference).
        string apphost = Path.Combine(AppContext.BaseDirectory, "RandSac.Cli");
        var info = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "RandSac.Cli.dll") } };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return new ChildCli(Process.Start(info)!);
    }

    /// <summary>Runs to the end and returns what it printed.</summary>
    public static CliRunner.Result Run(params string[] args)
    {
        using var child = Start(args);
        return child.WaitForExit(TimeSpan.FromMinutes(2));
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public void Signal(int signal) => Send(_process.Id, signal);

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>; throws if it cannot.</summary>
    internal static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Signals the process unless it has already exited.</summary>
    public void TrySignal(int signal) => Kill(_process.Id, signal);

    public CliRunner.Result WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            throw new TimeoutException($"randsac did not exit within {timeout}; it printed: {Error}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return new CliRunner.Result(_process.ExitCode, Output, Error);
    }

    /// <summary>Waits until <paramref name="condition"/> holds or the process exits; true if it held.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout, int pollMilliseconds = 5)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            if (_process.HasExited) return condition();
            Thread.Sleep(pollMilliseconds);
        }
        throw new TimeoutException($"gave up waiting after {timeout}; randsac printed: {Error}");
    }

    /// <summary>What it has printed to standard output so far.</summary>
    public string Output
    {
        get { lock (_out) return _out.ToString(); }
    }

    /// <summary>What it has printed to standard error so far.</summary>
    public string Error
    {
        get { lock (_error) return _error.ToString(); }
    }

    static void Append(StringBuilder builder, string? line)
    {
        if (line is null) return;
        lock (builder) builder.Append(line).Append('\n');
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}
