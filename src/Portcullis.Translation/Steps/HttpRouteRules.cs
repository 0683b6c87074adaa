namespace Portcullis.Translation.Steps;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Backends;
using Portcullis.Translation.Status;

/// <summary>One match of one rule, ready to be expanded per hostname.</summary>
internal sealed record ExpandedMatch(int RuleIndex, int MatchIndex, PathMatch Path, EquatableArray<HeaderMatch> Headers,
    EquatableArray<QueryParamMatch> QueryParams, string? Method, RouteAction Action);

/// <summary>
/// An HTTPRoute's rules turned into IR matches and actions once, independent of its parents, with
/// every problem found on the way: unsupported values (Accepted=False) and unresolved refs (ResolvedRefs=False).
/// </summary>
internal sealed class HttpRouteRules
{
    public List<ExpandedMatch> Matches { get; } = [];

    public List<string> UnsupportedValues { get; } = [];

    public string? ResolvedRefsReason { get; private set; }

    public List<string> ResolvedRefsErrors { get; } = [];

    public static HttpRouteRules Build(SnapshotIndex index, HttpRoute route)
    {
        var result = new HttpRouteRules();
        for (var ri = 0; ri < route.Spec.Rules.Count; ri++)
        {
            var rule = route.Spec.Rules[ri];
            var action = result.BuildAction(index, route, rule, ri);
            IReadOnlyList<HttpRouteMatch> matches = rule.Matches.Count == 0 ? [new HttpRouteMatch()] : rule.Matches;
            for (var mi = 0; mi < matches.Count; mi++)
            {
                var m = result.BuildMatch(matches[mi], ri, mi, action);
                if (m is not null)
                {
                    result.Matches.Add(m);
                }
            }
        }

        return result;
    }

    private RouteAction BuildAction(SnapshotIndex index, HttpRoute route, HttpRouteRule rule, int ri)
    {
        var backends = new List<WeightedBackend>();
        foreach (var r in rule.BackendRefs)
        {
            var resolved = BackendResolver.Resolve(index, route, r);
            backends.Add(resolved.Backend);
            if (resolved.ErrorReason is not null)
            {
                ResolvedRefsReason ??= resolved.ErrorReason;
                ResolvedRefsErrors.Add($"rule {ri}: {resolved.ErrorMessage}");
            }
        }

        // Filters are not implemented yet: a rule that asks for one is answered 500 rather than served
        // without the behaviour its author required.
        var filters = rule.Filters.Select(f => f.Type)
            .Concat(rule.BackendRefs.SelectMany(b => b.Filters).Select(f => f.Type))
            .Distinct(StringComparer.Ordinal).ToList();
        if (filters.Count > 0)
        {
            UnsupportedValues.Add($"rule {ri}: filter{(filters.Count > 1 ? "s" : "")} {string.Join(", ", filters)} not supported yet; the rule answers 500");
            return new RouteAction(EquatableArray<WeightedBackend>.Empty, new DirectResponse(500));
        }

        return backends.Count == 0
            ? new RouteAction(EquatableArray<WeightedBackend>.Empty, new DirectResponse(500))
            : new RouteAction(backends.ToEquatableArray());
    }

    private ExpandedMatch? BuildMatch(HttpRouteMatch m, int ri, int mi, RouteAction action)
    {
        var where = $"rule {ri.ToString(CultureInfo.InvariantCulture)} match {mi.ToString(CultureInfo.InvariantCulture)}";
        var ok = true;
        PathMatchType? pathType = (m.Path?.Type ?? PathMatchTypes.PathPrefix) switch
        {
            PathMatchTypes.Exact => PathMatchType.Exact,
            PathMatchTypes.PathPrefix => PathMatchType.PathPrefix,
            PathMatchTypes.RegularExpression => PathMatchType.RegularExpression,
            _ => null,
        };
        if (pathType is null)
        {
            UnsupportedValues.Add($"{where}: path type {m.Path?.Type} is not supported; the match is not served");
            ok = false;
        }

        var headers = new List<HeaderMatch>();
        foreach (var h in m.Headers)
        {
            if (StringType(h.Type) is { } t)
            {
                headers.Add(new HeaderMatch(h.Name, t, h.Value));
            }
            else
            {
                UnsupportedValues.Add($"{where}: header match type {h.Type} is not supported; the match is not served");
                ok = false;
            }
        }

        var queries = new List<QueryParamMatch>();
        foreach (var q in m.QueryParams)
        {
            if (StringType(q.Type) is { } t)
            {
                queries.Add(new QueryParamMatch(q.Name, t, q.Value));
            }
            else
            {
                UnsupportedValues.Add($"{where}: query param match type {q.Type} is not supported; the match is not served");
                ok = false;
            }
        }

        return ok
            ? new ExpandedMatch(ri, mi, new PathMatch(pathType!.Value, m.Path?.Value ?? "/"), headers.ToEquatableArray(),
                queries.ToEquatableArray(), m.Method, action)
            : null;
    }

    private static StringMatchType? StringType(string? type) => type switch
    {
        null or "Exact" => StringMatchType.Exact,
        "RegularExpression" => StringMatchType.RegularExpression,
        _ => null,
    };
}
