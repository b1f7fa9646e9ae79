using RandSac.Build;

namespace RandSac.Tests.Build;

/// <summary>The build step that lets TorchSharp's native shim load where libstdc++ is older.</summary>
public sealed class ElfVersionNeedsTests : IDisposable
{
    const string Library = "libstdc++.so.6", Version = "GLIBCXX_3.4.32";
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static string Shim => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>A copy of the shipped shim with the need restored to strong, as NuGet delivers it.</summary>
    string UnpatchedCopy()
    {
        string copy = _temp.Combine("libLibTorchSharp.so");
        var bytes = File.ReadAllBytes(Shim);
        var need = ElfVersionNeeds.ReadNeeds(bytes).Single(n => n.Version == Version);
        bytes[need.FlagsOffset] &= unchecked((byte)~ElfVersionNeeds.VerFlagWeak);
        File.WriteAllBytes(copy, bytes);
        return copy;
    }

    [Fact]
    public void TheBuiltShimHasItsNeedWeakExactlyWhenTheSystemLacksTheVersion()
    {
        if (!OperatingSystem.IsLinux()) return;
        var need = ElfVersionNeeds.ReadNeeds(File.ReadAllBytes(Shim)).Single(n => n.Version == Version);
        Assert.Equal(Library, need.Library);
        string? system = ElfVersionNeeds.FindSystemLibrary(Library);
        Assert.NotNull(system);
        bool systemHasIt = ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(system)).Contains(Version);
        Assert.Equal(!systemHasIt, need.IsWeak);
    }

    [Fact]
    public void WeakensOnlyTheMissingVersionAndOnlyOnce()
    {
        if (!OperatingSystem.IsLinux()) return;
        string copy = UnpatchedCopy();
        var before = File.ReadAllBytes(copy);
        // A libstdc++ that has every version the shim needs but the newest, like Debian 12's.
        var available = ElfVersionNeeds.ReadNeeds(before).Select(n => n.Version).Where(v => v != Version).ToHashSet();

        Assert.Equal([Version], ElfVersionNeeds.WeakenMissing(copy, Library, available));
        var after = File.ReadAllBytes(copy);
        var needs = ElfVersionNeeds.ReadNeeds(after);
        Assert.True(needs.Single(n => n.Version == Version).IsWeak);
        Assert.All(needs.Where(n => n.Version != Version), n => Assert.Equal(
            ElfVersionNeeds.ReadNeeds(before).Single(b => b.Library == n.Library && b.Version == n.Version).Flags, n.Flags));
        // Exactly two bytes' worth of flags changed, nothing else.
        Assert.Equal(before.Length, after.Length);
        Assert.Single(Enumerable.Range(0, before.Length), i => before[i] != after[i]);

        Assert.Empty(ElfVersionNeeds.WeakenMissing(copy, Library, available));
        Assert.Equal(after, File.ReadAllBytes(copy));
    }

    [Fact]
    public void ChangesNothingWhereTheSystemHasTheVersion()
    {
        if (!OperatingSystem.IsLinux()) return;
        string copy = UnpatchedCopy();
        var before = File.ReadAllBytes(copy);
        var everything = ElfVersionNeeds.ReadNeeds(before).Select(n => n.Version).ToHashSet();
        Assert.Empty(ElfVersionNeeds.WeakenMissing(copy, Library, everything));
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void RejectsFilesThatAreNotElf()
    {
        var error = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.ReadNeeds("not an ELF file at all, only text......................................"u8.ToArray()));
        Assert.Contains("not an ELF file", error.Message);
    }
}
