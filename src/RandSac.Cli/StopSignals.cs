using System.Runtime.InteropServices;

namespace RandSac.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a request to stop: the first cancels <see cref="Token"/>, so a
/// long command finishes its current step, saves what it has and returns; a second one aborts at
/// once, after restoring the terminal. Shells, SLURM and Kubernetes expect 128 + the signal number
/// as the exit code (<see cref="ExitCode"/>).
/// <para>
/// A Ctrl-C reaches every process of the terminal's foreground group, and a parent that stops its
/// children on that Ctrl-C (<c>randsac study</c> sends SIGTERM) then signals them a second time. So
/// the other signal arriving within <see cref="RelayWindow"/> of the first is taken as that same
/// request; a repeat of the first signal, or any signal later, aborts.
/// </para>
/// </summary>
public sealed class StopSignals : IDisposable
{
    readonly CancellationTokenSource _source = new();
    readonly TextWriter _error;
    readonly Action _restoreTerminal;
    readonly PosixSignalRegistration[] _registrations;
    int _received;
    long _firstAt;

    /// <summary>How soon after the first signal a different one still counts as the same request.</summary>
    public static readonly TimeSpan RelayWindow = TimeSpan.FromSeconds(2);

    StopSignals(TextWriter error, Action restoreTerminal)
    {
        _error = error;
        _restoreTerminal = restoreTerminal;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Starts listening; <paramref name="restoreTerminal"/> undoes what a live display did to the terminal (the hidden cursor).</summary>
    public static StopSignals Listen(TextWriter error, Action restoreTerminal) => new(error, restoreTerminal);

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>130 after SIGINT, 143 after SIGTERM, null without a signal.</summary>
    public int? ExitCode => Received is { } signal ? ExitCodeOf(signal) : null;

    public static int ExitCodeOf(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 130,
        PosixSignal.SIGTERM => 143,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "only SIGINT and SIGTERM stop a command"),
    };

    public static string NameOf(PosixSignal signal) => signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";

    void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // never the runtime's default: it would end the process mid-step
        if (Interlocked.Increment(ref _received) == 1)
        {
            _firstAt = Environment.TickCount64;
            Received = context.Signal;
            _error.WriteLine($"randsac: {NameOf(context.Signal)} received: finishing the current step and saving; send it again to abort at once");
            _source.Cancel();
            return;
        }
        if (context.Signal != Received && Environment.TickCount64 - _firstAt < RelayWindow.TotalMilliseconds)
        {
            _error.WriteLine($"randsac: {NameOf(context.Signal)} received too: still finishing the current step");
            return;
        }
        _restoreTerminal();
        _error.WriteLine($"randsac: {NameOf(context.Signal)} received again: aborting without saving");
        _error.Flush();
        Abort(ExitCodeOf(Received ?? context.Signal));
    }

    /// <summary>
    /// Ends the process now. <see cref="Environment.Exit"/> would run LibTorch's static destructors
    /// while the main thread is still inside a LibTorch call, which crashes; _exit(2) runs nothing.
    /// A checkpoint write cut short leaves only a temporary file, which the next run removes.
    /// </summary>
    static void Abort(int code)
    {
        if (!OperatingSystem.IsWindows()) ExitNow(code);
        Environment.Exit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    static extern void ExitNow(int status);

    public void Dispose()
    {
        // After a signal the process is about to end, which takes a while (LibTorch unloads): a
        // parent's relayed signal arriving now must still find this handler, not the default that
        // would kill the process and replace its exit code.
        if (Received is not null) return;
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
