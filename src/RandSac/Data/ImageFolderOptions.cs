namespace RandSac.Data;

/// <summary>Settings for <see cref="ImageFolderReader"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>
    /// Where decoded datasets are cached. Null: <see cref="ImageFolderReader.DefaultCacheDirectory"/>
    /// (<c>$RANDSAC_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/randsac/image-folders</c>, else
    /// <c>~/.cache/randsac/image-folders</c>). The dataset folder itself is never written to,
    /// since it is often read-only or shared.
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Read and write the cache (true), or always decode (false).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Receives one-line progress notes (decoding, cache hit or write).</summary>
    public Action<string>? Log { get; init; }
}
