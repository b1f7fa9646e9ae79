using RandSac.Segments;

namespace RandSac.Orders;

/// <summary>
/// <c>hier:K1[,K2…]</c>: segments grouped into K1 partitions, those into K2, and so on
/// (finest first), "by the same logic" as the segments themselves: square segments into
/// squares of segments, other segments by a blob draw over their centroids. The order is
/// a random permutation of the top partitions and, recursively inside each, a random
/// permutation of its members, so every partition's segments stay contiguous.
/// <para>
/// A level asking for K partitions of n units gets exactly min(K, n) non-empty partitions
/// (the paper's 11→5 names the count). Squares tile exactly or the spec is rejected. For
/// blobs, K ≥ n makes every unit its own partition; otherwise the K-component draw is
/// repeated until no component is empty, at most <see cref="BlobDraws"/> times, after which
/// the draw with the most partitions (the first such) has its largest partition (most units,
/// lowest id on ties) halved along the wider spread of its members' centroids until there
/// are K. So no valid spec ever fails to draw, and a seed still fixes the plan.
/// </para>
/// </summary>
public sealed class HierarchicalOrder : ISegmentOrder
{
    public HierarchicalOrder(IReadOnlyList<int> partitionCounts)
    {
        if (partitionCounts.Count == 0) throw new ArgumentException("hier needs at least one partition count");
        for (int i = 0; i < partitionCounts.Count; i++)
        {
            if (partitionCounts[i] < 1)
                throw new ArgumentException($"partition counts must be positive, got {partitionCounts[i]}");
            if (i > 0 && partitionCounts[i] >= partitionCounts[i - 1])
                throw new ArgumentException(
                    $"partition counts go from finest to coarsest and must decrease, got {string.Join(",", partitionCounts)}");
        }
        PartitionCounts = [.. partitionCounts];
    }

    public int[] PartitionCounts { get; }

    /// <summary>
    /// Blob draws per level before the deterministic split. Over blob:11 segments 45 % of
    /// 5-component draws leave no component empty (72 % for blob:7 → 3), so the split is
    /// practically never needed there.
    /// </summary>
    public const int BlobDraws = 100;

    public string Spec => "hier:" + string.Join(",", PartitionCounts);

    public SegmentOrdering Sample(Segmentation segmentation, Random random)
    {
        // members[level][unit] = units of the level below (level 0 units are segments).
        var members = new List<List<int>[]>();
        var partitionsOfSegment = new List<int[]>();
        var units = Units.OfSegments(segmentation);
        var unitOfSegment = Enumerable.Range(0, segmentation.SegmentCount).ToArray();
        foreach (int count in PartitionCounts)
        {
            var (groupOfUnit, parents) = units.Group(count, random);
            var children = new List<int>[parents.Count];
            for (int p = 0; p < parents.Count; p++) children[p] = [];
            for (int u = 0; u < groupOfUnit.Length; u++) children[groupOfUnit[u]].Add(u);
            members.Add(children);
            unitOfSegment = unitOfSegment.Select(u => groupOfUnit[u]).ToArray();
            partitionsOfSegment.Add(unitOfSegment);
            units = parents;
        }

        var sequence = new List<int>(segmentation.SegmentCount);
        var top = Enumerable.Range(0, units.Count).ToArray();
        random.Shuffle(top);
        foreach (int unit in top) Serialise(members, members.Count - 1, unit, random, sequence);
        return new SegmentOrdering([.. sequence], partitionsOfSegment);
    }

    static void Serialise(List<List<int>[]> members, int level, int unit, Random random, List<int> sequence)
    {
        var children = members[level][unit].ToArray();
        random.Shuffle(children);
        foreach (int child in children)
        {
            if (level == 0) sequence.Add(child);
            else Serialise(members, level - 1, child, random, sequence);
        }
    }

    /// <summary>The things grouped at one level: their tokens and, for square tilings, their grid.</summary>
    sealed class Units
    {
        readonly TokenGrid _tokens;
        readonly List<int>[] _tokensOfUnit;
        readonly TokenGrid? _layout;

        Units(TokenGrid tokens, List<int>[] tokensOfUnit, TokenGrid? layout)
        {
            _tokens = tokens;
            _tokensOfUnit = tokensOfUnit;
            _layout = layout;
        }

        public int Count => _tokensOfUnit.Length;

        public static Units OfSegments(Segmentation s) => new(s.Grid, s.TokensOfSegments(), s.Layout);

        public (int[] GroupOfUnit, Units Parents) Group(int count, Random random)
        {
            var (group, groups, layout) = _layout is { } grid ? GroupSquares(grid, count) : GroupBlobs(count, random);
            var tokensOfGroup = new List<int>[groups];
            for (int g = 0; g < groups; g++) tokensOfGroup[g] = [];
            for (int u = 0; u < Count; u++) tokensOfGroup[group[u]].AddRange(_tokensOfUnit[u]);
            foreach (var tokens in tokensOfGroup) tokens.Sort();
            return (group, new Units(_tokens, tokensOfGroup, layout));
        }

        (int[], int, TokenGrid?) GroupSquares(TokenGrid grid, int count)
        {
            for (int side = 1; side <= Math.Min(grid.Rows, grid.Cols); side++)
            {
                if (grid.Rows % side != 0 || grid.Cols % side != 0) continue;
                var parents = new TokenGrid(grid.Rows / side, grid.Cols / side);
                if (parents.Count != count) continue;
                var group = new int[grid.Count];
                for (int u = 0; u < grid.Count; u++)
                    group[u] = u / grid.Cols / side * parents.Cols + u % grid.Cols / side;
                return (group, count, parents);
            }
            throw new ArgumentException(
                $"cannot group a {grid.Rows}×{grid.Cols} grid of square segments into {count} equal square partitions");
        }

        (int[], int, TokenGrid?) GroupBlobs(int count, Random random)
        {
            if (count >= Count) return (Enumerable.Range(0, Count).ToArray(), Count, null);
            var centroids = _tokensOfUnit.Select(Centroid).ToArray();
            int[] best = [];
            int bestGroups = 0;
            for (int draw = 0; draw < BlobDraws; draw++)
            {
                var (group, groups) = GaussianMixture.Sample(count, random).Partition(centroids);
                if (groups == count) return (group, count, null);
                if (groups > bestGroups) (best, bestGroups) = (group, groups);
            }
            while (bestGroups < count) SplitLargest(best, bestGroups++, centroids);
            return (best, count, null);
        }

        /// <summary>
        /// Halves the partition with the most units (lowest id on ties) along the axis its
        /// centroids spread most on; the far half becomes partition <paramref name="newGroup"/>.
        /// Fewer partitions than units means that partition has at least two.
        /// </summary>
        static void SplitLargest(int[] group, int newGroup, (double X, double Y)[] centroids)
        {
            var sizes = new int[newGroup];
            foreach (int g in group) sizes[g]++;
            int largest = Array.IndexOf(sizes, sizes.Max());
            var members = Enumerable.Range(0, group.Length).Where(u => group[u] == largest).ToArray();
            double Spread(Func<(double X, double Y), double> axis) =>
                members.Max(u => axis(centroids[u])) - members.Min(u => axis(centroids[u]));
            Func<(double X, double Y), double> along = Spread(c => c.X) >= Spread(c => c.Y) ? c => c.X : c => c.Y;
            var sorted = members.OrderBy(u => along(centroids[u])).ThenBy(u => u).ToArray();
            foreach (int u in sorted[(sorted.Length / 2)..]) group[u] = newGroup;
        }

        (double X, double Y) Centroid(List<int> tokens)
        {
            double x = 0, y = 0;
            foreach (int t in tokens)
            {
                var p = _tokens.Normalised(t);
                x += p.X;
                y += p.Y;
            }
            return (x / tokens.Count, y / tokens.Count);
        }
    }
}
