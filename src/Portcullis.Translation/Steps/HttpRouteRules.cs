namespace Portcullis.Translation.Steps;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Backends;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Sessions;
using Portcullis.Translation.Status;

/// <summary>One match of one rule, ready to be expanded per hostname.</summary>
internal sealed record ExpandedMatch(int RuleIndex, string? RuleName, int MatchIndex, PathMatch Path, EquatableArray<HeaderMatch> Headers,
    EquatableArray<QueryParamMatch> QueryParams, string? Method, RouteAction Action)
{
    /// <summary>Set for GRPCRoute matches, which order by service and method length instead of by path.</summary>
    public GrpcMethodRank? Grpc { get; init; }
}

/// <summary>
/// An HTTPRoute's (or a GRPCRoute's, seen as an HTTPRoute) rules turned into IR matches and actions once, independent of its parents, with
/// every problem found on the way: unsupported values (Accepted=False) and unresolved refs (ResolvedRefs=False).
/// </summary>
internal sealed class HttpRouteRules(RouteKind kind)
{
    private readonly Dictionary<string, RouteCandidate[]> _byHostname = new(StringComparer.Ordinal);

    public RouteKind Kind { get; } = kind;

    /// <summary>"namespace/name" of the route.</summary>
    public string Key { get; private set; } = "";

    public List<ExpandedMatch> Matches { get; } = [];

    public List<string> UnsupportedValues { get; } = [];

    /// <summary>The reason of the first problem that makes the route Accepted=False.</summary>
    public string? NotAcceptedReason { get; private set; }

    public string? ResolvedRefsReason { get; private set; }

    public List<string> ResolvedRefsErrors { get; } = [];

    /// <summary>
    /// Some rules were invalid and dropped while others are served: Accepted stays True and the route
    /// gets PartiallyInvalid (the spec's "Drop Rule(s)" approach). When every rule is invalid the
    /// route is not accepted and its rules answer 500.
    /// </summary>
    public bool PartiallyInvalid { get; private set; }

    private readonly SortedSet<int> _invalidRules = [];
    private int _currentRule;

    /// <summary>A value we cannot honour in the rule being built: the rule is invalid.</summary>
    public void Reject(string reason, string message)
    {
        NotAcceptedReason ??= reason;
        UnsupportedValues.Add(message);
        _invalidRules.Add(_currentRule);
    }

    /// <summary>A reference we cannot resolve: the route's ResolvedRefs condition becomes False.</summary>
    public void Unresolved(string reason, string message)
    {
        ResolvedRefsReason ??= reason;
        ResolvedRefsErrors.Add(message);
    }

    /// <summary>
    /// The IR routes of every match on one hostname, in rule and match order, built once per hostname: rules reused from
    /// a cache give the same RouteConfig objects, so an unchanged listener's routes are the same objects as before.
    /// </summary>
    public RouteCandidate[] On(HttpRoute route, string hostname)
    {
        if (_byHostname.TryGetValue(hostname, out var candidates))
        {
            return candidates;
        }

        candidates = new RouteCandidate[Matches.Count];
        for (var i = 0; i < Matches.Count; i++)
        {
            var m = Matches[i];
            var name = string.Create(CultureInfo.InvariantCulture, $"{Key}/rule/{m.RuleName ?? m.RuleIndex.ToString(CultureInfo.InvariantCulture)}/match/{m.MatchIndex}");
            var config = new RouteConfig(name, hostname, m.Path, m.Headers, m.QueryParams, m.Method, m.Action);
            candidates[i] = new RouteCandidate(config, route.Metadata.CreationTimestamp, Key, m.RuleIndex, m.MatchIndex, m.Grpc);
        }

        _byHostname[hostname] = candidates;
        return candidates;
    }

    /// <summary>The parentRef as the route's status reports it (group and kind filled in); the last one asked for is kept.</summary>
    public ParentReference Reported(ParentReference parentRef, string kind)
    {
        if (!ReferenceEquals(_reportedFrom, parentRef) || _reported!.Kind != kind)
        {
            _reported = parentRef with { Group = GatewayApiGroup.Name, Kind = kind };
            _reportedFrom = parentRef;
        }

        return _reported;
    }

    private ParentReference? _reportedFrom;
    private ParentReference? _reported;

    public static HttpRouteRules Build(SnapshotIndex index, HttpRoute route, RouteKind kind)
    {
        var result = new HttpRouteRules(kind) { Key = $"{route.Metadata.Namespace}/{route.Metadata.Name}" };
        for (var ri = 0; ri < route.Spec.Rules.Count; ri++)
        {
            result._currentRule = ri;
            var rule = route.Spec.Rules[ri];
            var action = result.BuildAction(index, route, rule, ri);
            IReadOnlyList<HttpRouteMatch> matches = rule.Matches.Count == 0 ? [new HttpRouteMatch()] : rule.Matches;
            for (var mi = 0; mi < matches.Count; mi++)
            {
                var m = result.BuildMatch(matches[mi], ri, rule.Name, mi, action);
                if (m is not null)
                {
                    result.Matches.Add(m);
                }
            }
        }

        if (result._invalidRules.Count > 0 && result._invalidRules.Count < route.Spec.Rules.Count)
        {
            result.PartiallyInvalid = true;
            result.Matches.RemoveAll(m => result._invalidRules.Contains(m.RuleIndex));
        }

        return result;
    }

    private RouteAction BuildAction(SnapshotIndex index, HttpRoute route, HttpRouteRule rule, int ri)
    {
        var where = $"rule {ri.ToString(CultureInfo.InvariantCulture)}";
        var prefixOnly = rule.Matches.All(m => (m.Path?.Type ?? PathMatchTypes.PathPrefix) == PathMatchTypes.PathPrefix);
        var backends = new List<WeightedBackend>();
        for (var bi = 0; bi < rule.BackendRefs.Count; bi++)
        {
            var r = rule.BackendRefs[bi];
            var resolved = BackendResolver.Resolve(index, route, r, Kind);
            var backend = resolved.Backend;
            if (resolved.ErrorReason is not null)
            {
                Unresolved(resolved.ErrorReason, $"{where}: {resolved.ErrorMessage}");
            }

            if (r.Filters.Count > 0)
            {
                var f = HttpRouteFilters.Translate(index, route, r.Filters,
                    $"{where} backendRef {bi.ToString(CultureInfo.InvariantCulture)}", backendLevel: true, prefixOnly, this);
                if (f.Cors is not null)
                {
                    Reject(RouteReasons.UnsupportedValue, $"{where} backendRef {bi.ToString(CultureInfo.InvariantCulture)}: filter CORS is supported at rule level only");
                }

                // A backend whose filters cannot be honoured answers 500 for its share only.
                backend = f.Failed || f.Cors is not null
                    ? backend with { Invalid = true, Endpoints = EquatableArray<Endpoint>.Empty }
                    : backend with { Filters = f.Filters };
            }

            backends.Add(backend);
        }

        var filters = HttpRouteFilters.Translate(index, route, rule.Filters, where, backendLevel: false, prefixOnly, this);
        var timeouts = Timeouts(rule.Timeouts, where, out var timeoutsValid);
        if (filters.Failed || !timeoutsValid)
        {
            return new RouteAction(EquatableArray<WeightedBackend>.Empty, new DirectResponse(500));
        }

        if (filters.Redirect is not null)
        {
            // The CEL rules forbid backendRefs next to a redirect; should both reach us, the redirect wins.
            return new RouteAction(EquatableArray<WeightedBackend>.Empty)
            {
                Redirect = filters.Redirect, Filters = filters.Filters, Cors = filters.Cors,
            };
        }

        var action = backends.Count == 0
            ? new RouteAction(EquatableArray<WeightedBackend>.Empty, new DirectResponse(500))
            : new RouteAction(backends.ToEquatableArray());
        return SessionRules.Apply(index, route, rule, ri, this, action with { Filters = filters.Filters, Cors = filters.Cors, Timeouts = timeouts });
    }

    private RouteTimeouts? Timeouts(HttpRouteTimeouts? t, string where, out bool valid)
    {
        valid = true;
        if (t is null)
        {
            return null;
        }

        TimeSpan? Parse(string? value, string field, ref bool ok)
        {
            if (value is null)
            {
                return null;
            }

            if (!GatewayDuration.TryParse(value, out var d))
            {
                Reject(RouteReasons.UnsupportedValue, $"{where}: timeouts.{field} \"{value}\" is not a Gateway API duration");
                ok = false;
                return null;
            }

            return d == TimeSpan.Zero ? null : d; // "0s" disables the timeout
        }

        var request = Parse(t.Request, "request", ref valid);
        var backend = Parse(t.BackendRequest, "backendRequest", ref valid);
        if (request is { } r && backend is { } b && b > r)
        {
            Reject(RouteReasons.UnsupportedValue, $"{where}: timeouts.backendRequest {t.BackendRequest} is longer than timeouts.request {t.Request}");
            valid = false;
        }

        return valid && (request is not null || backend is not null) ? new RouteTimeouts(request, backend) : null;
    }

    private ExpandedMatch? BuildMatch(HttpRouteMatch m, int ri, string? ruleName, int mi, RouteAction action)
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
            Reject(RouteReasons.UnsupportedValue, $"{where}: path type {m.Path?.Type} is not supported");
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
                Reject(RouteReasons.UnsupportedValue, $"{where}: header match type {h.Type} is not supported");
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
                Reject(RouteReasons.UnsupportedValue, $"{where}: query param match type {q.Type} is not supported");
                ok = false;
            }
        }

        return ok
            ? new ExpandedMatch(ri, ruleName, mi, new PathMatch(pathType!.Value, m.Path?.Value ?? "/"), headers.ToEquatableArray(),
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
