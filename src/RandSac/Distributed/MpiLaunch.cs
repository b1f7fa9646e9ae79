namespace RandSac.Distributed;

/// <summary>
/// How this process was started by an MPI launcher, read from the environment the launcher sets,
/// before any MPI library is loaded: a plain start has none of these variables and never loads MPI.
/// <list type="bullet">
/// <item>MPICH's and Intel MPI's Hydra (<c>mpiexec</c>) and SLURM's <c>srun --mpi=pmi2</c>: <c>PMI_RANK</c>, <c>PMI_SIZE</c>; Hydra adds <c>MPI_LOCALRANKID</c>, <c>MPI_LOCALNRANKS</c>.</item>
/// <item>SLURM's <c>srun --mpi=pmix</c>: <c>PMIX_RANK</c> with <c>SLURM_NTASKS</c>.</item>
/// <item>MVAPICH's <c>mpirun_rsh</c>: <c>MV2_COMM_WORLD_RANK</c>, <c>MV2_COMM_WORLD_SIZE</c>.</item>
/// <item>Open MPI's <c>mpirun</c>: <c>OMPI_COMM_WORLD_RANK</c>; refused, its ABI is not MPICH's.</item>
/// </list>
/// Under SLURM the ranks on this node come from <c>SLURM_LOCALID</c> and <c>SLURM_NTASKS_PER_NODE</c>
/// when the launcher gives none of its own.
/// </summary>
public sealed record MpiLaunch(int Rank, int Size, int LocalRank, int LocalSize, string Launcher)
{
    /// <summary>The launch described by the process environment; null for a plain start or a world of one.</summary>
    public static MpiLaunch? FromEnvironment() => Detect(Environment.GetEnvironmentVariable);

    /// <summary>The launch described by <paramref name="variable"/>; null for a plain start or a world of one.</summary>
    public static MpiLaunch? Detect(Func<string, string?> variable)
    {
        if (variable("OMPI_COMM_WORLD_RANK") is not null || variable("OMPI_COMM_WORLD_SIZE") is not null)
            throw new MpiLaunchException(
                "this job was launched by Open MPI, whose ABI differs from MPICH's: launch it with an MPICH-ABI mpiexec " +
                "(MPICH, Intel MPI, Cray MPICH, MVAPICH) or with srun --mpi=pmi2");
        var launch = Read(variable, "PMI_RANK", "PMI_SIZE", "PMI")
                     ?? Read(variable, "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE", "MVAPICH")
                     ?? Read(variable, "PMIX_RANK", "SLURM_NTASKS", "PMIx");
        return launch is { Size: > 1 } ? launch : null;
    }

    static MpiLaunch? Read(Func<string, string?> variable, string rankName, string sizeName, string launcher)
    {
        if (variable(rankName) is not { } rankText) return null;
        int rank = Number(rankName, rankText, 0);
        int size = Number(sizeName, variable(sizeName)
            ?? throw new MpiLaunchException($"{rankName} is set but {sizeName} is not: cannot tell the world size"), 1);
        if (rank >= size) throw new MpiLaunchException($"{rankName}={rank} is not below {sizeName}={size}");
        // Ranks on this node: the launcher's own variables, else SLURM's, else assume one per node.
        string? localRank = variable("MPI_LOCALRANKID") ?? variable("MV2_COMM_WORLD_LOCAL_RANK") ?? variable("SLURM_LOCALID");
        string? localSize = variable("MPI_LOCALNRANKS") ?? variable("MV2_COMM_WORLD_LOCAL_SIZE") ?? SlurmTasksOnThisNode(variable);
        int local = localRank is null ? 0 : Number("the local rank", localRank, 0);
        int localCount = localSize is null ? 1 : Number("the local rank count", localSize, 1);
        return new MpiLaunch(rank, size, local, Math.Max(localCount, local + 1), launcher);
    }

    /// <summary>SLURM_NTASKS_PER_NODE's first figure ("2" or "2(x4)"), when SLURM set it.</summary>
    static string? SlurmTasksOnThisNode(Func<string, string?> variable)
    {
        string digits = new((variable("SLURM_NTASKS_PER_NODE") ?? "").TakeWhile(char.IsDigit).ToArray());
        return digits.Length > 0 ? digits : null;
    }

    static int Number(string name, string text, int minimum)
    {
        if (!int.TryParse(text, out int value) || value < minimum)
            throw new MpiLaunchException($"{name} is '{text}', expected an integer of at least {minimum}");
        return value;
    }

    /// <summary>Intra-op threads per rank by default: this node's physical cores shared among its ranks.</summary>
    public int ThreadsPerRank(int physicalCores) => Math.Max(1, physicalCores / LocalSize);
}
