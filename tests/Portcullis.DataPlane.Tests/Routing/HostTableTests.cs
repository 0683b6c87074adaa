namespace Portcullis.DataPlane.Tests.Routing;

using Portcullis.DataPlane.Routing;

public class HostTableTests
{
    private static HostTable<string> Table(params string?[] hostnames)
    {
        var builder = new HostTable<string>.Builder();
        foreach (var hostname in hostnames)
        {
            builder.TryAdd(hostname, hostname ?? "(none)");
        }

        return builder.Build();
    }

    [Fact]
    public void Match_PrefersExactOverWildcardOverCatchAll()
    {
        var table = Table("*", "*.example.com", "www.example.com");

        Assert.Equal("www.example.com", table.Match("www.example.com"));
        Assert.Equal("*.example.com", table.Match("api.example.com"));
        Assert.Equal("*", table.Match("other.org"));
    }

    [Fact]
    public void Match_LongestWildcardSuffixWins()
    {
        var table = Table("*.example.com", "*.api.example.com");

        Assert.Equal("*.api.example.com", table.Match("v1.api.example.com"));
        Assert.Equal("*.example.com", table.Match("web.example.com"));
    }

    [Fact]
    public void Match_WildcardCoversDeeperNamesButNotTheApex()
    {
        var table = Table("*.example.com");

        Assert.Equal("*.example.com", table.Match("a.b.example.com"));
        Assert.Null(table.Match("example.com"));
        Assert.Null(table.Match("notexample.com"));
    }

    [Fact]
    public void Match_IgnoresCaseAndTrailingDot()
    {
        var table = Table("www.example.com");

        Assert.Equal("www.example.com", table.Match("WWW.Example.COM."));
    }

    [Fact]
    public void Match_ListenerWithoutHostnameIsTheCatchAll()
    {
        var table = Table(null, "foo.example.com");

        Assert.Equal("(none)", table.Match("bar.example.com"));
    }

    [Fact]
    public void Match_NothingMatchingAndNoCatchAll_ReturnsNull()
    {
        Assert.Null(Table("foo.example.com").Match("bar.example.com"));
    }

    [Fact]
    public void TryAdd_HostNameAddedTwice_FirstValueWins()
    {
        var builder = new HostTable<string>.Builder(capacity: 2);
        builder.TryAdd("www.example.com", "first exact");
        builder.TryAdd("WWW.example.com.", "second exact");
        builder.TryAdd("*.example.com", "first wildcard");
        builder.TryAdd("*.EXAMPLE.com", "second wildcard");
        builder.TryAdd(null, "first catch-all");
        builder.TryAdd("*", "second catch-all");

        var table = builder.Build();

        Assert.Equal("first exact", table.Match("www.example.com"));
        Assert.Equal("first wildcard", table.Match("api.example.com"));
        Assert.Equal("first catch-all", table.Match("other.org"));
    }
}
