using System.Diagnostics;
using System.Runtime.InteropServices;
using RandSac.Distributed;

namespace RandSac.Tests.Distributed;

/// <summary>
/// Runs the <c>randsac</c> command line as separate processes: plainly, or as ranks under MPICH's
/// <c>mpiexec.mpich</c>. Tests that need MPICH use <see cref="MpiFactAttribute"/>.
/// </summary>
static class MpiJob
{
    public const string Launcher = "mpiexec.mpich";

    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
    }

    /// <summary>Why MPI tests cannot run here, or null when they can.</summary>
    public static string? Missing { get; } = FindMissing();

    static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux()) return "MPI tests run on Linux with MPICH";
        if (ExecutableOnPath.Find(Launcher) is null) return $"{Launcher} is not installed (apt-get install mpich libmpich-dev)";
        // Loaded for good, never freed: Debian's MPICH pulls in UCX, whose libucs and libucm stay resident
        // (NODELETE) with their hooks in the process while dlclose would unmap libucp, libuct and hwloc under them.
        return NativeLibrary.TryLoad(MpiLibrary.Name, out _) ? null : $"{MpiLibrary.Name} cannot be loaded (apt-get install mpich libmpich-dev)";
    }

    static string DotNet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    static string Cli => Path.Combine(AppContext.BaseDirectory, "RandSac.Cli.dll");

    /// <summary><c>randsac ARGS</c> as one plain process.</summary>
    public static Result Plain(params string[] args) => Start(DotNet, [Cli, .. args]).Wait();

    /// <summary><c>mpiexec.mpich -n RANKS randsac ARGS</c>.</summary>
    public static Result Ranks(int ranks, params string[] args) => StartRanks(ranks, args).Wait();

    public static Running StartRanks(int ranks, params string[] args) => Start(Launcher, ["-n", $"{ranks}", DotNet, Cli, .. args]);

    /// <summary>Two ranks that run different arguments (MPMD): rank 0 <paramref name="rank0"/>, rank 1 <paramref name="rank1"/>.</summary>
    public static Result TwoPrograms(string[] rank0, string[] rank1) =>
        Start(Launcher, ["-n", "1", DotNet, Cli, .. rank0, ":", "-n", "1", DotNet, Cli, .. rank1]).Wait();

    static Running Start(string program, string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // The children must not think they are ranks of a job this test runner belongs to.
        foreach (var name in new[] { "PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK" })
            info.Environment.Remove(name);
        return new Running(Process.Start(info)!);
    }

    /// <summary>A started job; output is collected while it runs.</summary>
    public sealed class Running
    {
        readonly Process _process;
        readonly Task<string> _out, _error;

        public Running(Process process)
        {
            _process = process;
            _out = process.StandardOutput.ReadToEndAsync();
            _error = process.StandardError.ReadToEndAsync();
        }

        /// <summary>Sends <paramref name="signal"/> to the launcher, which forwards it to every rank.</summary>
        public void Signal(int signal) => RandSac.Tests.Cli.ChildCli.Send(_process.Id, signal);

        public Result Wait(int seconds = 180)
        {
            if (!_process.WaitForExit(TimeSpan.FromSeconds(seconds)))
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"the job did not end within {seconds} s");
            }
            return new Result(_process.ExitCode, _out.Result, _error.Result);
        }
    }
}

/// <summary>A test that needs MPICH; skipped, with the reason, where it is absent.</summary>
sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiJob.Missing is { } reason) Skip = reason;
    }
}
