namespace RandSac.Data;

/// <summary>
/// One batch to prepare: its position in the run, the dataset indices it holds, and a seed
/// for its random choices (augmentation, segment sampling). The seed is a hash of the loader
/// seed, <see cref="Epoch"/> and <see cref="BatchIndex"/>, not a draw from a running stream,
/// so the same batch is identical whether reached in one run or after a resume.
/// </summary>
public sealed record BatchRequest(int Epoch, int BatchIndex, int[] Indices, long Seed)
{
    /// <summary>A seed for sample <paramref name="position"/> of this batch (0-based position in <see cref="Indices"/>).</summary>
    public long SampleSeed(int position) => SeededRandom.Derive(Seed, position);
}
