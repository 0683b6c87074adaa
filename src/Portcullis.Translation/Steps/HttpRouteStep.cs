namespace Portcullis.Translation.Steps;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Caching;
using Portcullis.Translation.Routing;

/// <summary>Translates each HTTPRoute's rules once and queues the route for <see cref="RouteAttachStep"/>.</summary>
internal sealed class HttpRouteStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        context.PendingRoutes.Capacity = context.Snapshot.HttpRoutes.Count + context.Snapshot.GrpcRoutes.Count;
        foreach (var route in context.Snapshot.HttpRoutes)
        {
            var (view, rules) = CompiledRoute.Get(context, route, static (c, r) => (r, HttpRouteRules.Build(c.Index, r, RouteKind.Http)));
            context.PendingRoutes.Add(new PendingRoute(RouteKind.Http, view, rules));
        }
    }
}
