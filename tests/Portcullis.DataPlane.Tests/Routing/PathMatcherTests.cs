namespace Portcullis.DataPlane.Tests.Routing;

using Portcullis.DataPlane.Routing;
using Portcullis.Ir;

public class PathMatcherTests
{
    private static PathMatcher Prefix(string value) => new(new PathMatch(PathMatchType.PathPrefix, value));

    [Theory]
    [InlineData("/v2", true)]
    [InlineData("/v2/", true)]
    [InlineData("/v2/users", true)]
    [InlineData("/v2x", false)]
    [InlineData("/v", false)]
    [InlineData("/V2", false)]
    public void PathPrefix_MatchesWholeSegmentsOnly(string path, bool expected) =>
        Assert.Equal(expected, Prefix("/v2").IsMatch(path));

    [Fact]
    public void PathPrefix_TrailingSlashOnThePrefixIsIgnored()
    {
        Assert.True(Prefix("/v2/").IsMatch("/v2"));
        Assert.True(Prefix("/v2/").IsMatch("/v2/x"));
        Assert.False(Prefix("/v2/").IsMatch("/v2x"));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/anything/at/all")]
    public void PathPrefix_SlashMatchesEveryPath(string path) => Assert.True(Prefix("/").IsMatch(path));

    [Fact]
    public void Exact_MatchesOnlyTheSamePath()
    {
        var matcher = new PathMatcher(new PathMatch(PathMatchType.Exact, "/login"));

        Assert.True(matcher.IsMatch("/login"));
        Assert.False(matcher.IsMatch("/login/"));
        Assert.False(matcher.IsMatch("/login/x"));
    }

    [Fact]
    public void RegularExpression_MustMatchTheWholePath()
    {
        var matcher = new PathMatcher(new PathMatch(PathMatchType.RegularExpression, "/items/[0-9]+"));

        Assert.True(matcher.IsMatch("/items/42"));
        Assert.False(matcher.IsMatch("/items/42/edit"));
        Assert.False(matcher.IsMatch("/api/items/42"));
    }
}
