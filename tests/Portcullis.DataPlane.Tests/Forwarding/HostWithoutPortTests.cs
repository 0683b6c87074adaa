namespace Portcullis.DataPlane.Tests.Forwarding;

using Microsoft.AspNetCore.Http;
using Portcullis.DataPlane.Forwarding;

public sealed class HostWithoutPortTests
{
    [Theory]
    [InlineData("www.example.com")]
    [InlineData("www.example.com:8443")]
    [InlineData("127.0.0.1:80")]
    [InlineData("[::1]")]
    [InlineData("[::1]:8080")]
    [InlineData("::1")]
    [InlineData("fe80::1:80")]
    [InlineData("host:")]
    [InlineData("")]
    public void HostWithoutPort_AnyHostValue_SplitsAsHostStringHostDoes(string value)
    {
        var expected = new HostString(value).Host ?? "";

        Assert.Equal(expected, RequestHandler.HostWithoutPort(value).ToString());
    }

    [Fact]
    public void HostWithoutPort_Null_IsEmpty()
    {
        Assert.True(RequestHandler.HostWithoutPort(null).IsEmpty);
    }
}
