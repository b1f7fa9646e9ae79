namespace RandSac.Tests;

/// <summary>The repository the tests were built from, for tests that read its sources or run its scripts.</summary>
static class RepositoryRoot
{
    public static string Path { get; } = Find();

    static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "src", "RandSac", "RandSac.csproj"))) return folder.FullName;
        throw new InvalidOperationException($"no repository above {AppContext.BaseDirectory}");
    }
}
