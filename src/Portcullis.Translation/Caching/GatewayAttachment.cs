namespace Portcullis.Translation.Caching;

using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Steps;

/// <summary>
/// One Gateway's share of a translation from route attachment on: the parentRefs that named it (or one of its
/// ListenerSets) in attachment order, the Accepted condition each got, and the Gateway's status and IR listeners. The
/// next translation takes it whole when the Gateway is the same object, every decision about it and its listeners made
/// before attachment is the same (<see cref="GatewayDecisions"/>), and the same routes (by reference) name it in the
/// same order: route attachment reads nothing else (hostname conflicts are per listener, a listener is one Gateway's).
/// </summary>
internal sealed class GatewayAttachment(GatewayState state, ParentClaim[] claims)
{
    /// <summary>The translation's decisions about the Gateway, with the routes attached to its listeners.</summary>
    public GatewayState State { get; } = state;

    public ParentClaim[] Claims { get; } = claims;

    /// <summary>Set by OutputStep: the status before ListenerSetStatusStep adds attachedListenerSets.</summary>
    public GatewayStatus? Status { get; set; }

    /// <summary>Set by OutputStep: the programmed listeners' IR, before BackendTlsStep.</summary>
    public ListenerConfig[]? Listeners { get; set; }

    /// <summary>Whether the claims are the same parentRefs of the same routes (by reference), in the same order.</summary>
    public bool SameClaims(List<ParentClaim> claims)
    {
        if (claims.Count != Claims.Length)
        {
            return false;
        }

        for (var i = 0; i < Claims.Length; i++)
        {
            var (now, before) = (claims[i], Claims[i]);
            if (!ReferenceEquals(now.Pending.Route, before.Pending.Route) || !ReferenceEquals(now.Pending.Rules, before.Pending.Rules)
                || now.Pending.Kind != before.Pending.Kind || !ReferenceEquals(now.ParentRef, before.ParentRef)
                || !ReferenceEquals(now.Parent.Set?.ListenerSet, before.Parent.Set?.ListenerSet))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A route's parentRef that names a Gateway or ListenerSet of ours, and the Accepted condition attachment gave it.</summary>
internal sealed class ParentClaim(PendingRoute pending, ParentReference parentRef, RouteParent parent)
{
    public PendingRoute Pending { get; } = pending;

    public ParentReference ParentRef { get; } = parentRef;

    public RouteParent Parent { get; } = parent;

    public Condition? Accepted { get; set; }
}

/// <summary>
/// A route's status and what it was built from: its rules and, per parentRef of ours, the parentRef and the Accepted
/// condition (the parentRef object tells the parent's kind). The same rules with the same conditions (by reference: a
/// reused Gateway hands back its conditions, shared constants are one object) give an equal status, so the previous one
/// is passed on, and the status sink finds it at once.
/// </summary>
internal sealed class RouteStatusEntry
{
    private readonly HttpRouteRules _rules;
    private readonly ParentReference[] _parentRefs;
    private readonly Condition?[] _accepted;

    public RouteStatusEntry(HttpRouteRules rules, List<ParentClaim> claims, int start, int end, object status)
    {
        _rules = rules;
        _parentRefs = new ParentReference[end - start];
        _accepted = new Condition?[end - start];
        for (var i = start; i < end; i++)
        {
            _parentRefs[i - start] = claims[i].ParentRef;
            _accepted[i - start] = claims[i].Accepted;
        }

        Status = status;
    }

    public object Status { get; }

    public bool Matches(HttpRouteRules rules, List<ParentClaim> claims, int start, int end)
    {
        if (!ReferenceEquals(rules, _rules) || end - start != _parentRefs.Length)
        {
            return false;
        }

        for (var i = 0; i < _parentRefs.Length; i++)
        {
            if (!ReferenceEquals(claims[start + i].ParentRef, _parentRefs[i]) || !ReferenceEquals(claims[start + i].Accepted, _accepted[i]))
            {
                return false;
            }
        }

        return true;
    }
}
