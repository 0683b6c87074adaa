namespace Portcullis.Translation.Sessions;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Steps;
using Portcullis.Translation.Status;

/// <summary>
/// Gives a route rule its session persistence: the rule's own sessionPersistence, else that of a policy on one of
/// its Services (the first backendRef that has one; the GEP lets the rule's own stanza win over policies).
/// The whole rule then persists sessions, across all its backends, so a session survives a traffic split.
/// </summary>
internal static class SessionRules
{
    public static RouteAction Apply(SnapshotIndex index, HttpRoute route, HttpRouteRule rule, int ruleIndex, HttpRouteRules rules, RouteAction action)
    {
        if (action.Backends.IsEmpty)
        {
            return action; // a redirect or a direct response: there is no backend to stick to
        }

        var ns = route.Metadata.Namespace ?? "";
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{rules.Kind.Name}/{ns}/{route.Metadata.Name}/rule/{rule.Name ?? ruleIndex.ToString(CultureInfo.InvariantCulture)}");
        if (rule.SessionPersistence is { } own)
        {
            if (SessionSettings.Validate(own) is { } error)
            {
                rules.Reject(RouteReasons.UnsupportedValue, string.Create(CultureInfo.InvariantCulture, $"rule {ruleIndex}: {error}"));
                return action;
            }

            return action with { Session = SessionSettings.ToConfig(own, key) };
        }

        foreach (var r in rule.BackendRefs)
        {
            if ((r.Group ?? "").Length == 0 && (r.Kind ?? "Service") == "Service"
                && index.SessionPolicies.ForService(r.Namespace ?? ns, r.Name)?.Session is { } fromPolicy)
            {
                return action with { Session = SessionSettings.ToConfig(fromPolicy, key) };
            }
        }

        return action;
    }
}
