using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RandSac.Training;

/// <summary>
/// An exclusive lock on a run folder (or a study's folder) for as long as one writer works in it: an OS lock
/// (<c>flock</c>, taken by <see cref="FileShare.None"/>) on <c>run.lock</c> (or the given file), with the holder's
/// PID written inside. The kernel drops the lock when its holder exits, however it exits, so a
/// lock file left by a dead process never blocks; a second writer fails at once, naming the holder.
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    public const string FileName = "run.lock";
    readonly FileStream _stream;

    RunFolderLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Creates the folder if needed and locks it; throws <see cref="IOException"/> naming the holder's PID if it is taken.</summary>
    public static RunFolderLock Acquire(string folder, string fileName = FileName)
    {
        Directory.CreateDirectory(folder);
        string path = System.IO.Path.Combine(folder, fileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            string holder = ReadHolder(path) is { } pid ? $"process {pid}" : "another process";
            throw new IOException($"{folder} is in use by {holder} (it holds {path}); wait for it to finish or stop it first");
        }
        stream.SetLength(0);
        var pidText = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        stream.Write(pidText);
        stream.Flush(flushToDisk: true);
        return new RunFolderLock(stream, path);
    }

    /// <summary>
    /// The PID in a lock file someone else holds. .NET's own file opening asks for a shared
    /// flock and would fail against the holder's exclusive one, so this reads through open(2).
    /// </summary>
    static int? ReadHolder(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) return null;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var buffer = new byte[32];
        int read = RandomAccess.Read(handle, buffer, 0);
        return int.TryParse(System.Text.Encoding.ASCII.GetString(buffer, 0, read).Trim(), NumberStyles.None,
            CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    /// <summary>Releases the lock; the file stays (a later writer overwrites the PID).</summary>
    public void Dispose() => _stream.Dispose();
}
