namespace Portcullis.Translation;

using Portcullis.Ir;
using Portcullis.Model;
using Portcullis.Translation.Sessions;
using Portcullis.Translation.Steps;

/// <summary>
/// Snapshot in, config and status out. Pure: no I/O, no clock, no logger; the same input always
/// gives the same (sorted) output, and every input, however broken, gives a result.
/// </summary>
public static class Translator
{
    // Order matters: each step reads what the previous ones decided.
    private static readonly ITranslationStep[] Steps =
    [
        new GatewayClassStep(),     // which classes are ours and accepted
        new GatewayStep(),          // Gateways of those classes; listeners, route kinds, certificates
        new ListenerSetStep(),      // ListenerSets the Gateways allow: their listeners, judged like the Gateway's
        new AddressStep(),          // bind and status addresses (needs every Gateway for the pool)
        new ListenerConflictStep(), // distinctness per bind address and port (needs addresses)
        new ListenerSetConflictStep(), // ListenerSet listeners lose to those of higher precedence; which sets are accepted
        new HttpRouteStep(),        // HTTPRoute rules to IR matches and actions
        new GrpcRouteStep(),        // GRPCRoute rules to the same, method matches as path matches
        new RouteAttachStep(),      // route attachment (oldest first), route status, IR routes per listener
        new TlsRouteStep(),         // TLSRoutes (by SNI), TCPRoutes and UDPRoutes: attachment, status, IR routes
        new TcpRouteStep(),
        new UdpRouteStep(),
        new SessionPolicyStatusStep(), // BackendLBPolicy and XBackendTrafficPolicy status (needs route attachment)
        new OutputStep(),           // Gateway and listener status, IR listeners
        new ListenerSetStatusStep(), // ListenerSet status and the Gateways' attachedListenerSets
        new BackendTlsStep(),       // Gateway backend client certificate, BackendTLSPolicy status (needs route parents and output)
    ];

    /// <param name="cache">
    /// Results of the previous translation to reuse where the objects they were computed from are unchanged (the same
    /// objects); the result is equal to a translation without it. Null computes everything.
    /// </param>
    public static TranslationResult Translate(ResourceSnapshot snapshot, TranslatorOptions options, TranslationCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        cache?.Begin(snapshot, options);
        var context = new TranslationContext(snapshot, options, cache);
        foreach (var step in Steps)
        {
            step.Run(context);
        }

        if (cache is not null)
        {
            context.Config = cache.Listeners.ReuseEqual(context.Config);
            cache.End(context.Config);
        }

        return new TranslationResult(context.Config, new StatusReport
        {
            GatewayClasses = context.GatewayClassStatuses,
            Gateways = context.GatewayStatuses,
            HttpRoutes = context.HttpRouteStatuses,
            GrpcRoutes = context.GrpcRouteStatuses,
            TlsRoutes = context.TlsRouteStatuses,
            TcpRoutes = context.TcpRouteStatuses,
            UdpRoutes = context.UdpRouteStatuses,
            BackendLbPolicies = context.BackendLbPolicyStatuses,
            XBackendTrafficPolicies = context.XBackendTrafficPolicyStatuses,
            ListenerSets = context.ListenerSetStatuses,
            BackendTlsPolicies = context.BackendTlsPolicyStatuses,
        });
    }
}
