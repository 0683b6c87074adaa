namespace Portcullis.Translation.Caching;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Steps;

/// <summary>An HTTPRoute's or GRPCRoute's translated rules (with the route as an HTTPRoute), and the Services and EndpointSlices read to get them.</summary>
internal sealed record CompiledRoute(HttpRoute View, HttpRouteRules Rules, SnapshotReads Reads)
{
    /// <summary>
    /// The route's rules: the previous translation's when the route and everything they read are the same objects, else
    /// built by <paramref name="compile"/>. Rules depend on nothing else of the snapshot but what the cache checks as a whole.
    /// </summary>
    public static (HttpRoute View, HttpRouteRules Rules) Get<TRoute>(TranslationContext context, TRoute route,
        Func<TranslationContext, TRoute, (HttpRoute, HttpRouteRules)> compile)
        where TRoute : KubernetesObject
    {
        if (context.Cache is not { } cache)
        {
            return compile(context, route);
        }

        if (cache.Routes.TryGetPrevious(route, out var previous) && previous.Reads.Unchanged(context.Index))
        {
            cache.ReusedRoutes++;
            cache.Routes.Keep(route, previous);
            return (previous.View, previous.Rules);
        }

        var reads = new SnapshotReads();
        context.Index.Reads = reads;
        try
        {
            var (view, rules) = compile(context, route);
            cache.Routes.Keep(route, new CompiledRoute(view, rules, reads));
            return (view, rules);
        }
        finally
        {
            context.Index.Reads = null;
        }
    }
}
