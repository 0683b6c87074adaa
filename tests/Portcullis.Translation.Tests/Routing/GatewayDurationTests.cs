namespace Portcullis.Translation.Tests.Routing;

using Portcullis.Translation.Routing;

public class GatewayDurationTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0s", 0)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1m1s1ms", 61_001)]
    public void TryParse_Gep2257Duration_SumsItsParts(string value, long milliseconds)
    {
        Assert.True(GatewayDuration.TryParse(value, out var d));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("1.5s")]
    [InlineData("123456s")]
    [InlineData("1d")]
    [InlineData("-1s")]
    [InlineData("1h1m1s1ms1ms")]
    public void TryParse_NotAGatewayDuration_IsRejected(string value) =>
        Assert.False(GatewayDuration.TryParse(value, out _));
}
