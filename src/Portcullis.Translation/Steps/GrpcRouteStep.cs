namespace Portcullis.Translation.Steps;

using System.Text.RegularExpressions;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Caching;
using Portcullis.Translation.Routing;

/// <summary>
/// Translates each GRPCRoute by seeing it as the HTTPRoute it is on the wire: a gRPC call is an HTTP/2
/// POST to "/package.Service/Method", so a method match becomes a path match, headers match as headers,
/// and the filters GRPCRoute allows are HTTPRoute's. The route is then queued for
/// <see cref="RouteAttachStep"/> with its matches ranked by the GRPCRoute precedence rules.
/// </summary>
internal sealed class GrpcRouteStep : ITranslationStep
{
    /// <summary>One path segment: what an open service or method stands for.</summary>
    private const string AnySegment = "[^/]+";

    public void Run(TranslationContext context)
    {
        foreach (var route in context.Snapshot.GrpcRoutes)
        {
            var (view, rules) = CompiledRoute.Get(context, route, Compile);
            context.PendingRoutes.Add(new PendingRoute(RouteKind.Grpc, view, rules));
        }
    }

    private static (HttpRoute View, HttpRouteRules Rules) Compile(TranslationContext context, GrpcRoute route)
    {
        var view = AsHttpRoute(route);
        var rules = HttpRouteRules.Build(context.Index, view, RouteKind.Grpc);
        for (var i = 0; i < rules.Matches.Count; i++)
        {
            var m = rules.Matches[i];
            var method = route.Spec.Rules[m.RuleIndex].Matches.ElementAtOrDefault(m.MatchIndex)?.Method;
            rules.Matches[i] = m with { Grpc = new GrpcMethodRank(NullIfEmpty(method?.Service)?.Length ?? 0, NullIfEmpty(method?.Method)?.Length ?? 0) };
        }

        return (view, rules);
    }

    /// <summary>The GRPCRoute as an HTTPRoute with the same metadata, parents, hostnames, filters and backends.</summary>
    internal static HttpRoute AsHttpRoute(GrpcRoute route) => new()
    {
        ApiVersion = route.ApiVersion,
        Kind = route.Kind,
        Metadata = route.Metadata,
        Spec = new HttpRouteSpec
        {
            ParentRefs = route.Spec.ParentRefs,
            Hostnames = route.Spec.Hostnames,
            Rules = route.Spec.Rules.Select(r => new HttpRouteRule
            {
                Name = r.Name,
                Matches = r.Matches.Select(m => new HttpRouteMatch { Path = MethodPath(m.Method), Headers = m.Headers }).ToArray(),
                Filters = r.Filters,
                BackendRefs = r.BackendRefs,
                SessionPersistence = r.SessionPersistence,
            }).ToArray(),
        },
    };

    /// <summary>
    /// The path match of a method match: Exact "/svc/Method" when both are exact, a segment-wise
    /// PathPrefix "/svc" for a service alone, and a regular expression over "/service/method" otherwise
    /// (an open side matches any one segment).
    /// </summary>
    internal static HttpPathMatch MethodPath(GrpcMethodMatch? match)
    {
        var service = NullIfEmpty(match?.Service);
        var method = NullIfEmpty(match?.Method);
        var type = match?.Type ?? PathMatchTypes.Exact;
        return (type, service, method) switch
        {
            (_, null, null) => new HttpPathMatch { Type = PathMatchTypes.PathPrefix, Value = "/" },
            (PathMatchTypes.Exact, { } s, { } m) => new HttpPathMatch { Type = PathMatchTypes.Exact, Value = $"/{s}/{m}" },
            (PathMatchTypes.Exact, { } s, null) => new HttpPathMatch { Type = PathMatchTypes.PathPrefix, Value = "/" + s },
            (PathMatchTypes.Exact, null, { } m) => Pattern($"/{AnySegment}/{Regex.Escape(m)}"),
            (PathMatchTypes.RegularExpression, var s, var m) => Pattern($"/(?:{s ?? AnySegment})/(?:{m ?? AnySegment})"),
            _ => new HttpPathMatch { Type = type, Value = "/" }, // not a type we know: HttpRouteRules rejects it
        };

        static HttpPathMatch Pattern(string regex) => new() { Type = PathMatchTypes.RegularExpression, Value = regex };
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
