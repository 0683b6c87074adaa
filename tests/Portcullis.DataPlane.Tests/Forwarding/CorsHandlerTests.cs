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
}
