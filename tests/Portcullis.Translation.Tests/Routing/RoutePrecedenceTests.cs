namespace Portcullis.Translation.Tests.Routing;

using Portcullis.Ir;
using Portcullis.Translation.Routing;

public class RoutePrecedenceTests
{
    private static readonly DateTimeOffset Jan = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Feb = new(2025, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private static RouteCandidate Route(
        PathMatchType type = PathMatchType.PathPrefix, string path = "/", string? method = null, int headers = 0, int queries = 0,
        DateTimeOffset? created = null, string key = "default/r", int rule = 0, int match = 0, string hostname = "*") =>
        new(new RouteConfig($"{key}/rule/{rule}/match/{match}", hostname, new PathMatch(type, path),
                Enumerable.Range(0, headers).Select(i => new HeaderMatch($"h{i}", StringMatchType.Exact, "v")).ToEquatableArray(),
                Enumerable.Range(0, queries).Select(i => new QueryParamMatch($"q{i}", StringMatchType.Exact, "v")).ToEquatableArray(),
                method, new RouteAction(EquatableArray<WeightedBackend>.Empty)),
            created ?? Jan, key, rule, match);

    private static void AssertFirst(RouteCandidate winner, RouteCandidate loser)
    {
        Assert.True(RoutePrecedence.Instance.Compare(winner, loser) < 0);
        Assert.True(RoutePrecedence.Instance.Compare(loser, winner) > 0);
    }

    [Fact]
    public void Compare_ExactPath_BeatsLongerPrefix() =>
        AssertFirst(Route(PathMatchType.Exact, "/a"), Route(PathMatchType.PathPrefix, "/a/b/c"));

    [Fact]
    public void Compare_LongerPrefix_BeatsShorterPrefix() =>
        AssertFirst(Route(path: "/api/v1"), Route(path: "/api"));

    [Fact]
    public void Compare_MethodMatch_BeatsMoreHeaders() =>
        AssertFirst(Route(method: "GET"), Route(headers: 3));

    [Fact]
    public void Compare_MoreHeaders_BeatMoreQueryParams() =>
        AssertFirst(Route(headers: 2), Route(headers: 1, queries: 5));

    [Fact]
    public void Compare_MoreQueryParams_Win() =>
        AssertFirst(Route(queries: 1), Route());

    [Fact]
    public void Compare_OlderRoute_BeatsAlphabeticallyEarlierRoute() =>
        AssertFirst(Route(created: Jan, key: "default/z"), Route(created: Feb, key: "default/a"));

    [Fact]
    public void Compare_SameAge_NamespaceNameDecides() =>
        AssertFirst(Route(key: "a/r"), Route(key: "b/a"));

    [Fact]
    public void Compare_SameRoute_RuleThenMatchOrderDecides()
    {
        AssertFirst(Route(rule: 0, match: 5), Route(rule: 1, match: 0));
        AssertFirst(Route(rule: 1, match: 0), Route(rule: 1, match: 1));
    }

    [Fact]
    public void Compare_RegularExpression_BetweenExactAndPrefix()
    {
        AssertFirst(Route(PathMatchType.Exact, "/x"), Route(PathMatchType.RegularExpression, "/.*"));
        AssertFirst(Route(PathMatchType.RegularExpression, "/.*"), Route(PathMatchType.PathPrefix, "/very/long/prefix"));
    }

    [Fact]
    public void Compare_MoreSpecificHostname_ComesFirstWhateverThePath() =>
        AssertFirst(Route(path: "/", hostname: "www.example.com"), Route(PathMatchType.Exact, "/x", hostname: "*"));
}
