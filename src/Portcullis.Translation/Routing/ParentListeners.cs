namespace Portcullis.Translation.Routing;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Status;

/// <summary>
/// The listeners a route's parentRef lets it attach to, whatever the route kind: those its sectionName
/// and port select, that are accepted, that take the kind and the route's namespace. When there are
/// none, the Accepted=False condition that says why (NoMatchingParent or NotAllowedByListeners).
/// </summary>
internal static class ParentListeners
{
    public static (ParentSelection Allowed, Condition? Rejected) Select(
        TranslationContext context, RouteParent parent, ParentReference parentRef, string routeKind, string routeNs, long generation)
    {
        // The answer depends on the parent, the parentRef's section and port, the kind and the namespace, never on the route
        // itself: thousands of routes on one Gateway share it, so it is decided once per translation.
        var key = (parent.Gateway, parent.Set, parentRef.SectionName, parentRef.Port, routeKind, routeNs);
        if (!context.ParentSelections.TryGetValue(key, out var selection))
        {
            context.ParentSelections[key] = selection = Decide(context, parent, parentRef, routeKind, routeNs);
        }

        return selection.RejectedReason is { } reason
            ? (selection, Conditions.False(ConditionTypes.Accepted, reason, selection.RejectedMessage!, generation))
            : (selection, null);
    }

    private static ParentSelection Decide(TranslationContext context, RouteParent parent, ParentReference parentRef, string routeKind, string routeNs)
    {
        if (parent.Set is { IsAccepted: false } set)
        {
            return ParentSelection.Rejected(RouteReasons.NoMatchingParent, $"ListenerSet {set.Key} is not accepted by Gateway {set.Gateway.Key}");
        }

        var anySelected = false;
        var anyUsable = false;
        var allowed = new List<ListenerState>();
        foreach (var l in parent.Listeners)
        {
            if ((parentRef.SectionName is not null && l.Spec.Name != parentRef.SectionName) || (parentRef.Port is not null && l.Spec.Port != parentRef.Port))
            {
                continue;
            }

            anySelected = true;
            if (!l.IsAccepted)
            {
                continue;
            }

            anyUsable = true;
            if (l.Allows(routeKind) && RouteAdmission.AllowsNamespace(l.Spec, l.OwnerNamespace, routeNs, context.Index))
            {
                allowed.Add(l);
            }
        }

        return !anySelected ? ParentSelection.Rejected(RouteReasons.NoMatchingParent, $"{parent.Description} has no listener{Describe(parentRef)}")
            : !anyUsable ? ParentSelection.Rejected(RouteReasons.NoMatchingParent, $"no accepted listener{Describe(parentRef)} on {parent.Description}")
            : allowed.Count == 0 ? ParentSelection.Rejected(RouteReasons.NotAllowedByListeners,
                $"no listener{Describe(parentRef)} of {parent.Description} allows {routeKind}s from namespace {routeNs}")
            : new ParentSelection(allowed, null, null);
    }

    /// <summary>" named NAME on port N", as much of it as the parentRef says.</summary>
    public static string Describe(ParentReference p) =>
        (p.SectionName, p.Port) switch
        {
            (null, null) => "",
            ({ } s, null) => $" named {s}",
            (null, { } port) => $" on port {port}",
            ({ } s, { } port) => $" named {s} on port {port}",
        };
}

/// <summary>
/// The listeners one parentRef selection allows, in the parent's order, or why there are none; and the subset of them
/// a route's hostnames can intersect, found by a lookup instead of by trying every listener of a 64-listener Gateway.
/// </summary>
internal sealed class ParentSelection(List<ListenerState> allowed, string? rejectedReason, string? rejectedMessage)
{
    // Listeners by exact hostname: the first one's position, and in _moreExact those after it (rare: same hostname, other port).
    private Dictionary<string, int>? _exact;
    private Dictionary<string, List<int>>? _moreExact;
    private List<int>? _others;

    public List<ListenerState> Allowed { get; } = allowed;

    public string? RejectedReason { get; } = rejectedReason;

    public string? RejectedMessage { get; } = rejectedMessage;

    public static ParentSelection Rejected(string reason, string message) => new([], reason, message);

    /// <summary>
    /// The allowed listeners that may share a hostname with a route, in the parent's order. A listener with an exact hostname
    /// intersects an exact route hostname only when they are equal; a wildcard listener or one without hostname may intersect
    /// anything; a wildcard route hostname may cover any exact listener, so it is checked against all of them. Every listener
    /// left out would have had an empty intersection.
    /// </summary>
    public IReadOnlyList<ListenerState> Candidates(IReadOnlyList<string> routeHostnames)
    {
        if (routeHostnames.Count == 0 || Allowed.Count <= 1)
        {
            return Allowed;
        }

        for (var i = 0; i < routeHostnames.Count; i++)
        {
            if (Hostnames.Normalize(routeHostnames[i]) is { } h && Hostnames.IsWildcard(h))
            {
                return Allowed;
            }
        }

        BuildIndex();
        List<int>? hits = null;
        var single = -1;
        for (var i = 0; i < routeHostnames.Count; i++)
        {
            if (Hostnames.Normalize(routeHostnames[i]) is not { } h || !_exact!.TryGetValue(h, out var first))
            {
                continue;
            }

            if (single < 0 && hits is null && !_moreExact!.ContainsKey(h))
            {
                single = first; // the common case: one listener for the route's one hostname, no list needed
                continue;
            }

            hits ??= single < 0 ? [] : [single];
            single = -1;
            hits.Add(first);
            if (_moreExact!.TryGetValue(h, out var more))
            {
                hits.AddRange(more);
            }
        }

        if (_others!.Count == 0)
        {
            if (hits is null)
            {
                return single < 0 ? [] : [Allowed[single]];
            }
        }

        hits ??= single < 0 ? [] : [single];
        hits.AddRange(_others);
        hits.Sort();
        var result = new List<ListenerState>(hits.Count);
        for (var i = 0; i < hits.Count; i++)
        {
            if (i == 0 || hits[i] != hits[i - 1])
            {
                result.Add(Allowed[hits[i]]);
            }
        }

        return result;
    }

    private void BuildIndex()
    {
        if (_exact is not null)
        {
            return;
        }

        _exact = new Dictionary<string, int>(Allowed.Count, StringComparer.Ordinal);
        _moreExact = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        _others = [];
        for (var i = 0; i < Allowed.Count; i++)
        {
            var h = Hostnames.Normalize(Allowed[i].Spec.Hostname);
            if (h is null || Hostnames.IsWildcard(h))
            {
                _others.Add(i);
            }
            else if (!_exact.TryAdd(h, i))
            {
                if (!_moreExact.TryGetValue(h, out var more))
                {
                    _moreExact[h] = more = [];
                }

                more.Add(i);
            }
        }
    }
}
