namespace RandSac.Training;

/// <summary>
/// The default number of intra-op threads: the physical cores. Hyper-threads share a core's
/// vector units, so they add synchronisation to LibTorch's parallel regions but no throughput.
/// </summary>
public static class CpuThreads
{
    /// <summary>Distinct (package, core) pairs in /sys; the logical processor count where that cannot be read.</summary>
    public static int PhysicalCores { get; } = CountPhysicalCores();

    static int CountPhysicalCores()
    {
        try
        {
            var cores = new HashSet<string>();
            foreach (var cpu in Directory.EnumerateDirectories("/sys/devices/system/cpu", "cpu*"))
            {
                string topology = Path.Combine(cpu, "topology");
                string coreId = Path.Combine(topology, "core_id"), package = Path.Combine(topology, "physical_package_id");
                if (File.Exists(coreId) && File.Exists(package))
                    cores.Add(File.ReadAllText(package).Trim() + ":" + File.ReadAllText(coreId).Trim());
            }
            return cores.Count > 0 ? Math.Min(cores.Count, Environment.ProcessorCount) : Environment.ProcessorCount;
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
        catch (UnauthorizedAccessException)
        {
            return Environment.ProcessorCount;
        }
    }
}
