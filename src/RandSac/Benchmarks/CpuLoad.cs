using System.Diagnostics;

namespace RandSac.Benchmarks;

/// <summary>
/// How busy the machine is, from /proc/stat: the share of all cores that other processes used
/// over a window (this process's own CPU time is subtracted). Timings taken while other jobs
/// share the cores are not comparable — two-thread OpenMP regions slow down many times over —
/// so benchmarks wait for an idle machine and report the share they saw.
/// </summary>
public static class CpuLoad
{
    /// <summary>A point in time: machine busy and total jiffies, this process's CPU time.</summary>
    public readonly record struct Sample(long BusyJiffies, long TotalJiffies, TimeSpan OwnCpu, long Ticks);

    /// <summary>Whether /proc/stat is there to read (Linux).</summary>
    public static bool Available => File.Exists("/proc/stat");

    public static Sample Now()
    {
        var own = Process.GetCurrentProcess().TotalProcessorTime;
        long ticks = Stopwatch.GetTimestamp();
        if (!Available) return new Sample(0, 0, own, ticks);
        using var reader = new StreamReader("/proc/stat");
        var fields = reader.ReadLine()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal
        long total = 0, idle = 0;
        for (int i = 1; i <= 8 && i < fields.Length; i++)
        {
            long v = long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture);
            total += v;
            if (i is 4 or 5) idle += v;
        }
        return new Sample(total - idle, total, own, ticks);
    }

    /// <summary>
    /// Share of all cores (0..1) used by other processes between two samples; NaN when it
    /// cannot be measured.
    /// </summary>
    public static double ForeignShare(Sample from, Sample to) => ForeignShare(from, to, to.OwnCpu - from.OwnCpu);

    /// <summary>
    /// The same, where <paramref name="ownCpu"/> is the CPU time of every process of one's own job
    /// between the samples (the ranks of a data-parallel run).
    /// </summary>
    public static double ForeignShare(Sample from, Sample to, TimeSpan ownCpu)
    {
        long total = to.TotalJiffies - from.TotalJiffies;
        if (total <= 0) return double.NaN;
        double hz = 100.0; // USER_HZ, 100 on every Linux build .NET runs on
        double allCoreSeconds = total / hz;
        double busySeconds = (to.BusyJiffies - from.BusyJiffies) / hz;
        double own = ownCpu.TotalSeconds;
        return Math.Clamp((busySeconds - own) / allCoreSeconds, 0.0, 1.0);
    }

    /// <summary>
    /// Blocks until other processes have used at most <paramref name="maxForeign"/> of the cores
    /// for <paramref name="quiet"/> in a row (checked every second), or <paramref name="maxWait"/>
    /// has passed. Returns how long it waited and whether the machine became idle.
    /// </summary>
    public static IdleWait WaitForIdle(TimeSpan quiet, TimeSpan maxWait, double maxForeign = 0.05,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        if (!Available) return new IdleWait(TimeSpan.Zero, false, double.NaN);
        var quietSince = clock.Elapsed;
        var last = Now();
        double lastShare = double.NaN;
        var nextLog = TimeSpan.FromSeconds(30);
        while (true)
        {
            if (clock.Elapsed - quietSince >= quiet) return new IdleWait(clock.Elapsed, true, lastShare);
            if (clock.Elapsed >= maxWait) return new IdleWait(clock.Elapsed, false, lastShare);
            cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            cancel.ThrowIfCancellationRequested();
            var now = Now();
            lastShare = ForeignShare(last, now);
            last = now;
            if (!(lastShare <= maxForeign)) quietSince = clock.Elapsed;
            if (clock.Elapsed >= nextLog)
            {
                log?.Invoke($"waiting for an idle machine: other processes use {lastShare:P0} of the CPUs ({clock.Elapsed.TotalSeconds:F0} s so far)");
                nextLog += TimeSpan.FromSeconds(30);
            }
        }
    }
}

/// <summary>The outcome of <see cref="CpuLoad.WaitForIdle"/>.</summary>
/// <param name="LastForeignShare">Other processes' share in the last second checked.</param>
public sealed record IdleWait(TimeSpan Waited, bool Idle, double LastForeignShare);
