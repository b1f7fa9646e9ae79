namespace RandSac.Data;

/// <summary>
/// One batch to prepare: its position in the run, the dataset indices it holds, and a seed
/// for its random choices (augmentation, segment sampling). The seed is a hash of the loader
/// seed, <see cref="Epoch"/> and <see cref="BatchIndex"/>, not a draw from a running stream,
/// so the same batch is identical whether reached in one run or after a resume.
/// A request can be a slice of a larger batch (<see cref="Slice"/>): each sample's draws still
/// depend on its position in the whole batch, so the slices together are the whole batch.
/// </summary>
public sealed record BatchRequest(int Epoch, int BatchIndex, int[] Indices, long Seed)
{
    /// <summary>Position of <c>Indices[0]</c> in the whole batch (0 unless this is a slice).</summary>
    public int FirstPosition { get; init; }

    /// <summary>A seed for sample <paramref name="position"/> of this request (0-based position in <see cref="Indices"/>).</summary>
    public long SampleSeed(int position) => SeededRandom.Derive(Seed, FirstPosition + position);

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> equal consecutive parts of this batch.</summary>
    public BatchRequest Slice(int part, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        if ((uint)part >= (uint)parts) throw new ArgumentOutOfRangeException(nameof(part), $"part {part} of {parts}");
        if (Indices.Length % parts != 0)
            throw new ArgumentException($"a batch of {Indices.Length} does not split into {parts} equal parts");
        int length = Indices.Length / parts;
        return this with { Indices = Indices.AsSpan(part * length, length).ToArray(), FirstPosition = FirstPosition + part * length };
    }
}
