namespace RandSac.Tests;

/// <summary>Where a program is on PATH, for tests that run an installed tool and skip without it.</summary>
static class ExecutableOnPath
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}
