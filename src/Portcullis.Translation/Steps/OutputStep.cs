namespace Portcullis.Translation.Steps;

using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Status;

/// <summary>
/// Turns what the earlier steps decided into Gateway and listener status, and the served listeners
/// (with their routes in precedence order) into the IR.
/// </summary>
internal sealed class OutputStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        var listeners = new List<ListenerConfig>();
        foreach (var gw in context.Gateways)
        {
            // A Gateway whose attachment was reused would get the same status and listeners again (see GatewayAttachment).
            if (gw is { Reused: true, Attachment: { Status: { } reusedStatus, Listeners: { } reusedListeners } })
            {
                context.GatewayStatuses[gw.Gateway.Ref] = reusedStatus;
                listeners.AddRange(reusedListeners);
                continue;
            }

            var status = new GatewayStatus
            {
                Addresses = [.. gw.StatusAddresses],
                Conditions = GatewayConditions(context, gw),
                Listeners = gw.Listeners.ConvertAll(l => ListenerStatusOf(context, l)),
            };
            context.GatewayStatuses[gw.Gateway.Ref] = status;
            var first = listeners.Count;
            foreach (var l in gw.Listeners.Concat(gw.SetListeners).Where(l => l.IsProgrammed))
            {
                if (l.Routes.Count > 1)
                {
                    l.Routes.Sort(RoutePrecedence.Instance); // the comparer is total (it ends on route, rule and match): unstable sorting is safe
                }

                if (Unchanged(context, gw, l) is { } previous)
                {
                    listeners.Add(previous);
                    continue;
                }

                var routes = Configs(l.Routes);
                listeners.Add(new ListenerConfig(l.Name, gw.BindAddress!, l.Spec.Port, l.Protocol!.Value,
                    string.IsNullOrEmpty(l.Spec.Hostname) ? null : l.Spec.Hostname.ToLowerInvariant(),
                    l.Certificates.ToEquatableArray(), routes)
                {
                    L4 = l.Protocol is ListenerProtocol.Tls or ListenerProtocol.Tcp or ListenerProtocol.Udp
                        ? new L4ListenerConfig(l.TlsMode, l.L4Routes.OrderBy(r => r.RouteCreated).Select(r => r.Config).ToEquatableArray())
                        : null,
                    ClientValidation = l.ClientValidation,
                });
            }

            // Each Gateway's listeners in name order (stable), so the config below is usually their concatenation.
            var own = listeners.GetRange(first, listeners.Count - first).OrderBy(l => l.Name, StringComparer.Ordinal).ToArray();
            listeners.RemoveRange(first, own.Length);
            listeners.AddRange(own);
            if (gw.Attachment is { } attachment)
            {
                attachment.Status = status;
                attachment.Listeners = own;
            }
        }

        context.Config = new GatewayConfig(InNameOrder(listeners));
    }

    /// <summary>
    /// The listeners by name, stably. Gateways come in namespace/name order and their listeners' names start with it, so
    /// the per-Gateway sorted runs are mostly in order already: checked in one pass instead of sorting 10,000 names.
    /// </summary>
    private static ListenerConfig[] InNameOrder(List<ListenerConfig> listeners)
    {
        for (var i = 1; i < listeners.Count; i++)
        {
            if (string.CompareOrdinal(listeners[i - 1].Name, listeners[i].Name) > 0)
            {
                return [.. listeners.OrderBy(l => l.Name, StringComparer.Ordinal)];
            }
        }

        return [.. listeners];
    }

    private static List<Condition> GatewayConditions(TranslationContext context, GatewayState gw)
    {
        var g = gw.Generation;
        Condition accepted;
        var invalid = gw.Listeners.Where(l => !l.IsAccepted).Select(l => l.Spec.Name).ToList();
        if (gw.InvalidParameters is { } bad)
        {
            accepted = Conditions.False(ConditionTypes.Accepted, GatewayReasons.InvalidParameters, bad, g);
        }
        else if (gw.UnsupportedAddress is { } why)
        {
            accepted = Conditions.False(ConditionTypes.Accepted, GatewayReasons.UnsupportedAddress, why, g);
        }
        else if (invalid.Count == 0)
        {
            accepted = Conditions.True(ConditionTypes.Accepted, GatewayReasons.Accepted, "Gateway is accepted", g);
        }
        else
        {
            var valid = gw.Listeners.Where(l => l.IsAccepted).Select(l => l.Spec.Name).ToList();
            var message = gw.Listeners.Count == 0 ? "the Gateway has no listeners" : $"listeners not valid: {string.Join(", ", invalid)}; accepted listeners: {(valid.Count == 0 ? "none" : string.Join(", ", valid))}";
            accepted = valid.Count > 0
                ? Conditions.True(ConditionTypes.Accepted, GatewayReasons.ListenersNotValid, message, g)
                : Conditions.False(ConditionTypes.Accepted, GatewayReasons.ListenersNotValid, message, g);
        }

        Condition programmed;
        if (!gw.IsAccepted)
        {
            programmed = Conditions.False(ConditionTypes.Programmed, GatewayReasons.Invalid, "Gateway is not accepted", g);
        }
        else if (gw.AddressPending is { } pending)
        {
            // The listeners are served (the proxy pods may already run) but no client can reach them yet.
            programmed = Conditions.False(ConditionTypes.Programmed, GatewayReasons.AddressNotAssigned, pending, g);
        }
        else if (gw.BindAddress is null)
        {
            programmed = Conditions.False(ConditionTypes.Programmed, GatewayReasons.AddressNotAssigned,
                $"address pool {context.Options.AddressPool} has no free address", g);
        }
        else if (!gw.Listeners.Exists(l => l.IsProgrammed))
        {
            programmed = Conditions.False(ConditionTypes.Programmed, GatewayReasons.Invalid, "no listener is programmed", g);
        }
        else
        {
            programmed = Conditions.True(ConditionTypes.Programmed, GatewayReasons.Programmed, $"Gateway is served on {gw.BindAddress}", g);
        }

        return gw.InsecureFrontendValidation is { } insecure
            ? [accepted, programmed, Conditions.True(ConditionTypes.InsecureFrontendValidationMode, GatewayReasons.ConfigurationChanged, insecure, g)]
            : [accepted, programmed];
    }

    private static EquatableArray<RouteConfig> Configs(List<RouteCandidate> candidates)
    {
        if (candidates.Count == 0)
        {
            return EquatableArray<RouteConfig>.Empty;
        }

        var routes = new RouteConfig[candidates.Count];
        for (var i = 0; i < routes.Length; i++)
        {
            routes[i] = candidates[i].Config;
        }

        return routes;
    }

    /// <summary>
    /// The previous translation's config of an HTTP or HTTPS listener when it would be built again from the same objects:
    /// the same certificates and routes (by reference; a cache hands unchanged ones on as the same objects) and equal
    /// settings. Most listeners of a large config are unchanged by one change, and need no new config at all.
    /// </summary>
    private static ListenerConfig? Unchanged(TranslationContext context, GatewayState gw, ListenerState l)
    {
        if (context.Cache is not { } cache || l.Protocol is not (ListenerProtocol.Http or ListenerProtocol.Https)
            || !cache.Listeners.ByName.TryGetValue(l.Name, out var previous)
            || previous.L4 is not null || previous.Protocol != l.Protocol || previous.Port != l.Spec.Port
            || !string.Equals(previous.Address, gw.BindAddress, StringComparison.Ordinal)
            || !string.Equals(previous.Hostname, string.IsNullOrEmpty(l.Spec.Hostname) ? null : l.Spec.Hostname.ToLowerInvariant(), StringComparison.Ordinal)
            || !Equals(previous.ClientValidation, l.ClientValidation)
            || previous.Certificates.Count != l.Certificates.Count || previous.Routes.Count != l.Routes.Count)
        {
            return null;
        }

        for (var i = 0; i < l.Certificates.Count; i++)
        {
            if (!ReferenceEquals(previous.Certificates[i], l.Certificates[i]))
            {
                return null;
            }
        }

        for (var i = 0; i < l.Routes.Count; i++)
        {
            if (!ReferenceEquals(previous.Routes[i], l.Routes[i].Config))
            {
                return null;
            }
        }

        return previous;
    }

    internal static ListenerStatus ListenerStatusOf(TranslationContext context, ListenerState l)
    {
        var g = l.Generation;
        var accepted = l.Protocol is null
            ? Conditions.False(ConditionTypes.Accepted, ListenerReasons.UnsupportedProtocol, l.UnsupportedMessage ?? "", g)
            : l.ConflictReason is { } conflict
                ? Conditions.False(ConditionTypes.Accepted, conflict, l.ConflictMessage ?? "", g)
                : l.NoValidCaCertificate is { } noCa
                ? Conditions.False(ConditionTypes.Accepted, ListenerReasons.NoValidCACertificate, noCa, g)
                : context.Constant(ConditionTypes.Accepted, true, ListenerReasons.Accepted, "Listener is accepted", g);

        var programmed = l.IsProgrammed
            ? context.Constant(ConditionTypes.Programmed, true, ListenerReasons.Programmed, "Listener is programmed", g)
            : Conditions.False(ConditionTypes.Programmed, ListenerReasons.Invalid, NotProgrammedMessage(l), g);

        var resolved = l.ResolvedRefsReason is { } reason
            ? Conditions.False(ConditionTypes.ResolvedRefs, reason, string.Join("; ", l.ResolvedRefsErrors), g)
            : context.Constant(ConditionTypes.ResolvedRefs, true, ListenerReasons.ResolvedRefs, "All references are resolved", g);

        var conflicted = l.ConflictReason is { } c
            ? Conditions.True(ConditionTypes.Conflicted, c, l.ConflictMessage ?? "", g)
            : context.Constant(ConditionTypes.Conflicted, false, ListenerReasons.NoConflicts, "No conflicts", g);

        return new ListenerStatus
        {
            Name = l.Spec.Name,
            SupportedKinds = [.. l.SupportedKinds],
            AttachedRoutes = l.AttachedRoutes,
            Conditions = [accepted, programmed, resolved, conflicted],
        };
    }

    private static string NotProgrammedMessage(ListenerState l) =>
        l.Protocol is null ? "the listener's protocol is not supported"
        : l.ConflictReason is not null ? "the listener conflicts with another listener"
        : l.NoValidCaCertificate is not null ? "the listener has no valid CA certificate to validate clients with"
        : l.Gateway.UnsupportedAddress is not null || l.Gateway.InvalidParameters is not null ? "the Gateway is not accepted"
        : l.Gateway.BindAddress is null ? "the Gateway has no address"
        : "the listener has no valid certificate";
}
