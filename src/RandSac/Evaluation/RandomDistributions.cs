using RandSac.Data;

namespace RandSac.Evaluation;

/// <summary>Normal, gamma and beta draws from a <see cref="SeededRandom"/> (reproducible everywhere).</summary>
public static class RandomDistributions
{
    /// <summary>Normal(mean, std) by Box–Muller.</summary>
    public static double Normal(SeededRandom random, double mean = 0, double std = 1)
    {
        double u1 = 1.0 - random.NextDouble(); // (0, 1]
        double u2 = random.NextDouble();
        return mean + std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (with the usual boost for shape &lt; 1).</summary>
    public static double Gamma(SeededRandom random, double shape)
    {
        if (!(shape > 0)) throw new ArgumentException($"gamma shape must be positive, got {shape}");
        if (shape < 1)
            return Gamma(random, shape + 1) * Math.Pow(1.0 - random.NextDouble(), 1.0 / shape);
        double d = shape - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).</summary>
    public static double Beta(SeededRandom random, double a, double b)
    {
        double x = Gamma(random, a), y = Gamma(random, b);
        return x / (x + y);
    }
}
