using RandSac.Distributed;

namespace RandSac.Tests.Distributed;

public sealed class MpiLaunchTests
{
    static MpiLaunch? Detect(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return MpiLaunch.Detect(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void APlainStartIsNoLaunch() => Assert.Null(Detect(("HOME", "/root"), ("SLURM_NTASKS", "4")));

    [Fact]
    public void AWorldOfOneRunsAsOneProcess() => Assert.Null(Detect(("PMI_RANK", "0"), ("PMI_SIZE", "1")));

    [Fact]
    public void HydraGivesRankSizeAndTheRanksOnThisNode()
    {
        var launch = Detect(("PMI_RANK", "3"), ("PMI_SIZE", "8"), ("MPI_LOCALRANKID", "1"), ("MPI_LOCALNRANKS", "2"));
        Assert.Equal(new MpiLaunch(3, 8, 1, 2, "PMI"), launch);
        Assert.Equal(1, launch!.ThreadsPerRank(physicalCores: 2));
        Assert.Equal(16, launch.ThreadsPerRank(physicalCores: 32));
    }

    [Fact]
    public void SrunWithPmi2UsesSlurmsCountOfTasksOnThisNode()
    {
        var launch = Detect(("PMI_RANK", "5"), ("PMI_SIZE", "16"), ("SLURM_LOCALID", "1"), ("SLURM_NTASKS_PER_NODE", "4(x4)"));
        Assert.Equal(new MpiLaunch(5, 16, 1, 4, "PMI"), launch);
    }

    [Fact]
    public void SrunWithPmixAndMvapichAreRecognised()
    {
        Assert.Equal(new MpiLaunch(2, 4, 0, 1, "PMIx"), Detect(("PMIX_RANK", "2"), ("SLURM_NTASKS", "4")));
        Assert.Equal(new MpiLaunch(1, 2, 1, 2, "MVAPICH"),
            Detect(("MV2_COMM_WORLD_RANK", "1"), ("MV2_COMM_WORLD_SIZE", "2"), ("MV2_COMM_WORLD_LOCAL_RANK", "1"), ("MV2_COMM_WORLD_LOCAL_SIZE", "2")));
    }

    [Fact]
    public void AnOpenMpiLaunchIsRefusedInOneLine()
    {
        var e = Assert.Throws<MpiLaunchException>(() => Detect(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "2")));
        Assert.StartsWith("this job was launched by Open MPI, whose ABI differs from MPICH's", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("1", null, "PMI_RANK is set but PMI_SIZE is not: cannot tell the world size")]
    [InlineData("2", "2", "PMI_RANK=2 is not below PMI_SIZE=2")]
    [InlineData("x", "2", "PMI_RANK is 'x', expected an integer of at least 0")]
    public void AnInconsistentEnvironmentIsNamed(string rank, string? size, string message)
    {
        var variables = size is null ? new[] { ("PMI_RANK", rank) } : [("PMI_RANK", rank), ("PMI_SIZE", size)];
        Assert.Equal(message, Assert.Throws<MpiLaunchException>(() => Detect(variables)).Message);
    }
}
