namespace Portcullis.Translation.Tests.Routing;

using Portcullis.Translation.Routing;

public class HostnamesTests
{
    [Theory]
    [InlineData("*.example.com", "www.example.com", "www.example.com")]
    [InlineData("*.example.com", "a.b.example.com", "a.b.example.com")]
    [InlineData("www.example.com", "*.example.com", "www.example.com")]
    [InlineData("*.example.com", "*.foo.example.com", "*.foo.example.com")]
    [InlineData("*.foo.example.com", "*.example.com", "*.foo.example.com")]
    [InlineData("*.example.com", "*.example.com", "*.example.com")]
    [InlineData("www.example.com", "www.example.com", "www.example.com")]
    public void IntersectOne_OneCoversTheOther_GivesTheMoreSpecific(string listener, string route, string expected) =>
        Assert.Equal(expected, Hostnames.IntersectOne(listener, route));

    [Theory]
    [InlineData("*.example.com", "example.com")]
    [InlineData("*.example.com", "www.sample.com")]
    [InlineData("*.example.com", "wwwexample.com")]
    [InlineData("www.example.com", "api.example.com")]
    [InlineData("*.foo.example.com", "bar.example.com")]
    public void IntersectOne_Disjoint_GivesNull(string listener, string route) =>
        Assert.Null(Hostnames.IntersectOne(listener, route));

    [Fact]
    public void Intersect_NeitherListenerNorRouteHasHostnames_GivesCatchAll() =>
        Assert.Equal(["*"], Hostnames.Intersect(null, []));

    [Fact]
    public void Intersect_RouteWithoutHostnames_TakesTheListenerHostname() =>
        Assert.Equal(["*.example.com"], Hostnames.Intersect("*.example.com", []));

    [Fact]
    public void Intersect_KeepsRouteOrderDropsDisjointAndDuplicates() =>
        Assert.Equal(
            ["b.example.com", "a.example.com"],
            Hostnames.Intersect("*.example.com", ["b.example.com", "www.sample.com", "A.example.com", "a.example.com"]));

    [Fact]
    public void Intersect_NoRouteHostnameIntersects_GivesEmpty() =>
        Assert.Empty(Hostnames.Intersect("www.d1.bench", ["www.d2.bench", "*.d3.bench"]));

    [Fact]
    public void Intersect_ThreeHitsWithRepeatsAndTrailingDots_KeepsEachOnceInRouteOrder() =>
        Assert.Equal(
            ["c.example.com", "a.example.com", "b.example.com"],
            Hostnames.Intersect("*.example.com.", ["c.example.com", "a.example.com.", "C.Example.com", "b.example.com", "a.example.com"]));

    [Fact]
    public void CompareSpecificity_PrefersExactOverWildcardOverCatchAll()
    {
        var sorted = new[] { "*", "*.example.com", "www.example.com", "*.foo.example.com", "a.example.com" }
            .Order(Comparer<string>.Create(Hostnames.CompareSpecificity)).ToArray();
        Assert.Equal(["a.example.com", "www.example.com", "*.foo.example.com", "*.example.com", "*"], sorted);
    }
}
