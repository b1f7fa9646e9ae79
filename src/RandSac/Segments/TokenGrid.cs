namespace RandSac.Segments;

/// <summary>The h×w grid of patch tokens of one image; token t sits at row t / w, column t % w.</summary>
public readonly record struct TokenGrid(int Rows, int Cols)
{
    public int Count => Rows * Cols;

    public static TokenGrid ForImage(int height, int width, int patchSize)
    {
        if (patchSize <= 0 || height % patchSize != 0 || width % patchSize != 0)
            throw new ArgumentException($"image size {height}×{width} is not divisible by patch size {patchSize}");
        return new TokenGrid(height / patchSize, width / patchSize);
    }

    /// <summary>
    /// Token position on the normalised plane of the spec: (-2,-2) at the top-left token,
    /// (2,2) at the bottom-right one.
    /// </summary>
    public (double X, double Y) Normalised(int token)
    {
        int row = token / Cols, col = token % Cols;
        return (Scale(col, Cols), Scale(row, Rows));
    }

    static double Scale(int index, int count) => count == 1 ? 0.0 : -2.0 + 4.0 * index / (count - 1);
}
