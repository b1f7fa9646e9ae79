using static TorchSharp.torch;

namespace RandSac.Tokens;

/// <summary>
/// Fixed 2-D sine-cosine position embedding in MAE's layout: the first D/2 channels
/// encode the token's column, the last D/2 its row; each half is [sin(pos·ω), cos(pos·ω)]
/// with ω_i = 10000^(−i/(D/4)).
/// </summary>
public static class SinCosPositions
{
    /// <summary>(rows·cols, dim) float32, tokens in raster order.</summary>
    public static Tensor Create(int dim, int rows, int cols)
    {
        if (dim % 4 != 0)
            throw new ArgumentException($"the sin-cos position embedding needs a width divisible by 4, got {dim}");
        int quarter = dim / 4;
        var table = new float[rows * cols * dim];
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
        {
            int offset = (r * cols + c) * dim;
            Fill(table, offset, c, quarter);
            Fill(table, offset + dim / 2, r, quarter);
        }
        return tensor(table, [rows * cols, dim]);
    }

    static void Fill(float[] table, int offset, int position, int quarter)
    {
        for (int i = 0; i < quarter; i++)
        {
            double omega = 1.0 / Math.Pow(10000.0, (double)i / quarter);
            double angle = position * omega;
            table[offset + i] = (float)Math.Sin(angle);
            table[offset + quarter + i] = (float)Math.Cos(angle);
        }
    }
}
