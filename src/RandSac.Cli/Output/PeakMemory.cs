namespace RandSac.Cli.Output;

/// <summary>The process's peak resident memory, from /proc where there is one.</summary>
public static class PeakMemory
{
    public static string Describe()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)
                    && long.TryParse(line[6..].Trim().Split(' ')[0], out long kib))
                    return $"{kib / 1024.0:F0} MiB";
        return $"{Environment.WorkingSet / (1024.0 * 1024):F0} MiB (current)";
    }
}
