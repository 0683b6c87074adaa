namespace Portcullis.DataPlane.Tests.Forwarding;

using Portcullis.DataPlane.Forwarding;
using Portcullis.Ir;

public class CorsHandlerTests
{
    private static CorsHandler Cors(params string[] origins) => new(new CorsPolicy(origins, [], [], [], false, 5));

    [Fact]
    public void IsAllowed_WildcardHost_MatchesAnyLabelsToTheLeftOnly()
    {
        var cors = Cors("https://*.example.com");
        Assert.True(cors.IsAllowed("https://www.example.com"));
        Assert.True(cors.IsAllowed("https://a.b.example.com:443"));
        Assert.False(cors.IsAllowed("https://example.com"));
        Assert.False(cors.IsAllowed("http://www.example.com"));
        Assert.False(cors.IsAllowed("https://www.example.com:8443"));
    }

    [Fact]
    public void IsAllowed_ExactOrigin_ComparesSchemeHostAndDefaultPort()
    {
        var cors = Cors("http://foo.example");
        Assert.True(cors.IsAllowed("http://foo.example:80"));
        Assert.False(cors.IsAllowed("http://bar.example"));
        Assert.True(Cors("*").IsAllowed("https://anything.test"));
    }

    [Fact]
    public void AnswerPreflight_AllowedOrigin_IncludesExposeHeadersLikeActualResponses()
    {
        var cors = new CorsHandler(new CorsPolicy(new[] { "https://www.foo.com" }, new[] { "GET" }, new[] { "x-header-1" }, new[] { "x-header-3", "x-header-4" }, false, 5));
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "OPTIONS";
        context.Request.Headers.Origin = "https://www.foo.com";
        context.Request.Headers.AccessControlRequestMethod = "GET";

        cors.AnswerPreflight(context);

        Assert.Equal(204, context.Response.StatusCode);
        Assert.Equal("x-header-3, x-header-4", context.Response.Headers.AccessControlExposeHeaders.ToString());
        Assert.Equal("https://www.foo.com", context.Response.Headers.AccessControlAllowOrigin.ToString());
    }
}
