namespace Portcullis.DataPlane.Tests.Forwarding;

using Portcullis.DataPlane.Forwarding;
using Portcullis.Ir;

public class RedirectBuilderTests
{
    private static string Location(RequestRedirect r, string scheme = "http", int listenerPort = 80, string path = "/p", string query = "", string prefix = "") =>
        RedirectBuilder.Location(r, scheme, "example.org", listenerPort, path, query, prefix);

    [Fact]
    public void Location_SchemeChangedWithoutPort_UsesWellKnownPortAndOmitsIt() =>
        Assert.Equal("https://example.org/p", Location(new RequestRedirect("https", null, null, null, 301), listenerPort: 8080));

    [Fact]
    public void Location_SchemeChangedToHttpWithoutPort_UsesPort80AndOmitsIt() =>
        Assert.Equal("http://example.org/p", Location(new RequestRedirect("http", null, null, null, 302), "https", 8443));

    [Fact]
    public void Location_NoSchemeNoPort_KeepsListenerPort() =>
        Assert.Equal("http://example.org:8080/p", Location(new RequestRedirect(null, null, null, null, 302), listenerPort: 8080));

    [Fact]
    public void Location_NoSchemeNoPortOnDefaultListenerPort_OmitsPort() =>
        Assert.Equal("https://example.org/p", Location(new RequestRedirect(null, null, null, null, 302), "https", 443));

    [Fact]
    public void Location_ExplicitPort_IsKeptUnlessItIsTheSchemeDefault()
    {
        Assert.Equal("https://example.org:8443/p", Location(new RequestRedirect("https", null, 8443, null, 302)));
        Assert.Equal("https://example.org/p", Location(new RequestRedirect("https", null, 443, null, 302), listenerPort: 8080));
        Assert.Equal("http://example.org:443/p", Location(new RequestRedirect(null, null, 443, null, 302)));
    }

    [Fact]
    public void Location_HostnameAndPrefixReplace_KeepQueryString() =>
        Assert.Equal("http://new.example.com/new/rest?a=1&b=2",
            Location(new RequestRedirect(null, "new.example.com", null, new PathModifier(PathModifierType.ReplacePrefixMatch, "/new"), 302),
                path: "/old/rest", query: "?a=1&b=2", prefix: "/old"));

    [Fact]
    public void Location_ReplaceFullPath_ReplacesWholePath() =>
        Assert.Equal("http://example.org/other",
            Location(new RequestRedirect(null, null, null, new PathModifier(PathModifierType.ReplaceFullPath, "/other"), 302), path: "/a/b"));
}
