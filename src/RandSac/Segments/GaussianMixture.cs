namespace RandSac.Segments;

/// <summary>
/// K random anisotropic Gaussians on the normalised plane [-2, 2]²: means uniform,
/// per-axis standard deviations uniform in [MinStd, MaxStd], random rotation. Points go
/// to the component with the smallest Mahalanobis distance. Used for blob segments and
/// for grouping segments into hierarchical partitions.
/// </summary>
public sealed class GaussianMixture
{
    readonly double[] _meanX, _meanY, _cos, _sin, _stdX, _stdY;

    GaussianMixture(int components)
    {
        _meanX = new double[components];
        _meanY = new double[components];
        _cos = new double[components];
        _sin = new double[components];
        _stdX = new double[components];
        _stdY = new double[components];
    }

    /// <summary>Our default for the paper's lost range (see README, 'The method as implemented').</summary>
    public const double DefaultMinStd = 0.5, DefaultMaxStd = 1.5;

    public int Components => _meanX.Length;

    public static GaussianMixture Sample(int components, Random random,
        double minStd = DefaultMinStd, double maxStd = DefaultMaxStd)
    {
        var mixture = new GaussianMixture(components);
        for (int k = 0; k < components; k++)
        {
            mixture._meanX[k] = -2 + 4 * random.NextDouble();
            mixture._meanY[k] = -2 + 4 * random.NextDouble();
            mixture._stdX[k] = minStd + (maxStd - minStd) * random.NextDouble();
            mixture._stdY[k] = minStd + (maxStd - minStd) * random.NextDouble();
            double angle = Math.PI * random.NextDouble();
            mixture._cos[k] = Math.Cos(angle);
            mixture._sin[k] = Math.Sin(angle);
        }
        return mixture;
    }

    /// <summary>The component with the smallest Mahalanobis distance to (x, y).</summary>
    public int Assign(double x, double y)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int k = 0; k < Components; k++)
        {
            double dx = x - _meanX[k], dy = y - _meanY[k];
            // Rotate into the component's axes, then scale by its deviations.
            double u = (_cos[k] * dx + _sin[k] * dy) / _stdX[k];
            double v = (-_sin[k] * dx + _cos[k] * dy) / _stdY[k];
            double distance = u * u + v * v;
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = k;
            }
        }
        return best;
    }

    /// <summary>
    /// Assigns every point, drops empty components and renumbers the rest densely in
    /// component order. Returns the group of each point and the number of groups.
    /// </summary>
    public (int[] Group, int Count) Partition(IReadOnlyList<(double X, double Y)> points)
    {
        var component = new int[points.Count];
        for (int i = 0; i < points.Count; i++) component[i] = Assign(points[i].X, points[i].Y);
        var dense = Enumerable.Repeat(-1, Components).ToArray();
        int count = 0;
        for (int k = 0; k < Components; k++)
            if (Array.IndexOf(component, k) >= 0) dense[k] = count++;
        for (int i = 0; i < component.Length; i++) component[i] = dense[component[i]];
        return (component, count);
    }
}
