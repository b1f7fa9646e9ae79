using RandSac.Tokens;

namespace RandSac.Tests.Tokens;

public class SinCosPositionsTests
{
    [Fact]
    public void FirstHalfEncodesTheColumnAndSecondHalfTheRow()
    {
        using var table = SinCosPositions.Create(16, 3, 4);
        Assert.Equal(new long[] { 12, 16 }, table.shape);
        var v = table.data<float>().ToArray();
        float[] Row(int token) => v.AsSpan(token * 16, 16).ToArray();
        // Tokens 1 (row 0, col 1) and 5 (row 1, col 1) share a column: same first half.
        Assert.Equal(Row(1)[..8], Row(5)[..8]);
        Assert.NotEqual(Row(1)[8..], Row(5)[8..]);
        // Tokens 4 and 5 share a row: same second half.
        Assert.Equal(Row(4)[8..], Row(5)[8..]);
        // Column 1, frequency 0: sin(1), cos(1); frequency 1: ω = 10000^(-1/4).
        Assert.Equal(Math.Sin(1), Row(1)[0], 6);
        Assert.Equal(Math.Cos(1), Row(1)[4], 6);
        Assert.Equal(Math.Sin(Math.Pow(10000, -0.25)), Row(1)[1], 6);
        // Row 0 at any column: the row half is sin(0) = 0, cos(0) = 1.
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], Row(3)[8..]);
    }

    [Fact]
    public void WidthMustBeDivisibleByFour()
    {
        var error = Assert.Throws<ArgumentException>(() => SinCosPositions.Create(30, 2, 2));
        Assert.Contains("divisible by 4", error.Message);
    }
}
