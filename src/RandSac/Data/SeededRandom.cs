namespace RandSac.Data;

/// <summary>
/// A small, fast, seeded random generator (SplitMix64) whose output is fixed by this code,
/// not by a runtime version, so the same seed gives the same data and augmentations everywhere.
/// <see cref="Derive(long, long)"/> and its overloads hash a seed with coordinates such as
/// (epoch, batch, sample) into an independent seed, which lets any part of a run be reproduced
/// without replaying a random stream from the start.
/// </summary>
public sealed class SeededRandom
{
    const ulong Golden = 0x9E3779B97F4A7C15UL;

    ulong _state;

    public SeededRandom(long seed)
    {
        // Mixing the seed first keeps nearby seeds (0, 1, 2, ...) from starting nearby streams.
        _state = Mix((ulong)seed);
    }

    /// <summary>The next 64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1), with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        // Lemire's multiply-shift with rejection: unbiased and avoids a division in the common case.
        ulong range = (ulong)maxExclusive;
        ulong product = (NextUInt64() >> 32) * range;
        uint low = (uint)product;
        if (low < range)
        {
            uint threshold = (uint)((0x1_0000_0000UL - range) % range);
            while (low < threshold)
            {
                product = (NextUInt64() >> 32) * range;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }

    /// <summary>Uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int minInclusive, int maxExclusive)
    {
        if (maxExclusive <= minInclusive)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"empty range [{minInclusive}, {maxExclusive})");
        }
        return minInclusive + NextInt(maxExclusive - minInclusive);
    }

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool NextBool(double probability) => NextDouble() < probability;

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A seed determined by <paramref name="seed"/> and one coordinate.</summary>
    public static long Derive(long seed, long a) => (long)Mix(Mix((ulong)seed) ^ Mix((ulong)a + Golden));

    /// <summary>A seed determined by <paramref name="seed"/> and two coordinates (order matters).</summary>
    public static long Derive(long seed, long a, long b) => Derive(Derive(seed, a), b);

    /// <summary>A seed determined by <paramref name="seed"/> and three coordinates (order matters).</summary>
    public static long Derive(long seed, long a, long b, long c) => Derive(Derive(Derive(seed, a), b), c);

    // SplitMix64's finaliser: a bijective avalanche of 64 bits.
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
