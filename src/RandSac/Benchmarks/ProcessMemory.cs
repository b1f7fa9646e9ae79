namespace RandSac.Benchmarks;

/// <summary>The process's peak resident memory (VmHWM) from /proc where there is one.</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident bytes, or null when /proc/self/status is not there.</summary>
    public static long? PeakResidentBytes() => Read("VmHWM:");

    static long? Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(key, StringComparison.Ordinal)
                && long.TryParse(line[key.Length..].Trim().Split(' ')[0], out long kib))
                return kib * 1024;
        return null;
    }
}
