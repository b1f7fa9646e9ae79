using RandSac.Data;

namespace RandSac.Tests.Data;

public class DataChecksTests
{
    [Fact]
    public void DivisibleSizesPass()
    {
        DataChecks.RequireDivisible(32, 4);
        DataChecks.RequireDivisible(224, 16);
        DataChecks.RequireDivisible(16, 1);
    }

    [Fact]
    public void IndivisibleSizeNamesBothNumbers()
    {
        var error = Assert.Throws<DataException>(() => DataChecks.RequireDivisible(30, 4));

        Assert.StartsWith("image size 30 is not divisible by patch size 4", error.Message);
        Assert.Contains("28 or 32", error.Message);
    }

    [Fact]
    public void NonPositivePatchIsRejected()
    {
        var error = Assert.Throws<DataException>(() => DataChecks.RequireDivisible(32, 0));
        Assert.Contains("patch size 0", error.Message);
    }

    [Fact]
    public void ExceptionMessagesAreOneLine()
    {
        var error = new DataException("a\nb\r\nc");
        Assert.Equal("a b c", error.Message);
    }
}
