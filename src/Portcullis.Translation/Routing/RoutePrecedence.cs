namespace Portcullis.Translation.Routing;

using Portcullis.Ir;

/// <summary>One expanded route match with what precedence needs to know about the route it came from.</summary>
/// <param name="RouteKey">"namespace/name" of the HTTPRoute or GRPCRoute.</param>
/// <param name="Grpc">Set when the route is a GRPCRoute: gRPC rules have their own precedence.</param>
internal sealed record RouteCandidate(RouteConfig Config, DateTimeOffset? RouteCreated, string RouteKey, int RuleIndex, int MatchIndex,
    GrpcMethodRank? Grpc = null);

/// <summary>Characters in a GRPCRoute match's service and method (0 when the match leaves them open).</summary>
internal readonly record struct GrpcMethodRank(int ServiceLength, int MethodLength);

/// <summary>
/// Orders the routes of one listener so the first that matches a request wins, per the HTTPRoute spec:
/// hostname (more specific first; the data plane looks hosts up in a table, this keeps each host's
/// routes together), then Exact path over prefix, longer prefix first, a method match, more header
/// matches, more query param matches, then the oldest HTTPRoute, then namespace/name alphabetically,
/// then rule and match order. The spec leaves RegularExpression paths to implementations: here
/// they come after Exact and before every PathPrefix (longer pattern first), so a catch-all
/// prefix "/" never shadows them.
/// GRPCRoute matches follow the GRPCRoute spec instead: hostname, then more characters in the service,
/// then in the method, then more header matches, then the same route tie-breaks. The two kinds never
/// share a hostname on a listener (RouteAttachStep rejects one), so they need no order between them
/// beyond a stable one.
/// </summary>
internal sealed class RoutePrecedence : IComparer<RouteCandidate>
{
    public static RoutePrecedence Instance { get; } = new();

    public int Compare(RouteCandidate? x, RouteCandidate? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? 1 : -1;
        }

        var a = x.Config;
        var b = y.Config;
        var c = Hostnames.CompareSpecificity(a.Hostname, b.Hostname);
        if (c != 0)
        {
            return c;
        }

        c = (x.Grpc is not null).CompareTo(y.Grpc is not null);
        if (c != 0)
        {
            return c;
        }

        c = x.Grpc is { } gx && y.Grpc is { } gy ? CompareGrpc(gx, gy, a, b) : CompareHttp(a, b);
        if (c != 0)
        {
            return c;
        }

        // An object without creationTimestamp counts as the newest: it has no claim to being first.
        c = (x.RouteCreated ?? DateTimeOffset.MaxValue).CompareTo(y.RouteCreated ?? DateTimeOffset.MaxValue);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(x.RouteKey, y.RouteKey);
        if (c != 0)
        {
            return c;
        }

        c = x.RuleIndex.CompareTo(y.RuleIndex);
        return c != 0 ? c : x.MatchIndex.CompareTo(y.MatchIndex);
    }

    private static int CompareGrpc(GrpcMethodRank x, GrpcMethodRank y, RouteConfig a, RouteConfig b)
    {
        var c = y.ServiceLength.CompareTo(x.ServiceLength);
        if (c != 0)
        {
            return c;
        }

        c = y.MethodLength.CompareTo(x.MethodLength);
        return c != 0 ? c : b.Headers.Count.CompareTo(a.Headers.Count);
    }

    private static int CompareHttp(RouteConfig a, RouteConfig b)
    {
        var c = PathRank(b.Path.Type).CompareTo(PathRank(a.Path.Type));
        if (c != 0)
        {
            return c;
        }

        if (a.Path.Type != PathMatchType.Exact)
        {
            c = b.Path.Value.Length.CompareTo(a.Path.Value.Length);
            if (c != 0)
            {
                return c;
            }
        }

        c = (b.Method is not null).CompareTo(a.Method is not null);
        if (c != 0)
        {
            return c;
        }

        c = b.Headers.Count.CompareTo(a.Headers.Count);
        if (c != 0)
        {
            return c;
        }

        return b.QueryParams.Count.CompareTo(a.QueryParams.Count);
    }

    private static int PathRank(PathMatchType type) => type switch
    {
        PathMatchType.Exact => 3,
        PathMatchType.RegularExpression => 2,
        _ => 1,
    };
}
