namespace Portcullis.Translation.Steps;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Status;

/// <summary>
/// ListenerSet status (Accepted and Programmed with the spec's ListenerSet reasons, one entry per listener like a
/// Gateway listener's) and each parent Gateway's status.attachedListenerSets: the allowed, accepted ListenerSets.
/// The count is left out for a Gateway that allows no ListenerSets, as an API server would leave it unset.
/// </summary>
internal sealed class ListenerSetStatusStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        foreach (var set in context.ListenerSets)
        {
            context.ListenerSetStatuses[set.ListenerSet.Ref] = new ListenerSetStatus
            {
                Conditions = SetConditions(set),
                Listeners = set.Listeners.ConvertAll(l => ListenerStatusOf(context, l)),
            };
        }

        foreach (var gw in context.Gateways)
        {
            if ((gw.Gateway.Spec.AllowedListeners?.Namespaces?.From ?? ListenerSetStep.FromNone) != ListenerSetStep.FromNone
                && context.GatewayStatuses.TryGetValue(gw.Gateway.Ref, out var status))
            {
                context.GatewayStatuses[gw.Gateway.Ref] = status with
                {
                    AttachedListenerSets = context.ListenerSets.Count(s => s.Gateway == gw && s.IsAccepted),
                };
            }
        }
    }

    private static List<Condition> SetConditions(ListenerSetState set)
    {
        var g = set.Generation;
        if (set.NotAllowed is { } why)
        {
            return [Conditions.False(ConditionTypes.Accepted, ListenerSetReasons.NotAllowed, why, g),
                Conditions.False(ConditionTypes.Programmed, ListenerSetReasons.NotAllowed, why, g)];
        }

        if (!set.Gateway.IsAccepted)
        {
            var message = $"Gateway {set.Gateway.Key} is not accepted";
            return [Conditions.False(ConditionTypes.Accepted, ListenerSetReasons.ParentNotAccepted, message, g),
                Conditions.False(ConditionTypes.Programmed, ListenerSetReasons.ParentNotAccepted, message, g)];
        }

        var invalid = set.Listeners.Where(l => !ListenerSetState.IsValid(l)).Select(l => l.Spec.Name).ToList();
        if (!set.IsAccepted)
        {
            var message = $"no listener is valid: {string.Join(", ", invalid)}";
            return [Conditions.False(ConditionTypes.Accepted, ListenerSetReasons.ListenersNotValid, message, g),
                Conditions.False(ConditionTypes.Programmed, ListenerSetReasons.ListenersNotValid, message, g)];
        }

        var accepted = invalid.Count == 0
            ? Conditions.True(ConditionTypes.Accepted, ListenerSetReasons.Accepted, "ListenerSet is accepted", g)
            : Conditions.True(ConditionTypes.Accepted, ListenerSetReasons.ListenersNotValid, $"listeners not valid: {string.Join(", ", invalid)}", g);
        var programmed = set.Listeners.Exists(l => l.IsProgrammed)
            ? Conditions.True(ConditionTypes.Programmed, ListenerSetReasons.Programmed, $"ListenerSet is served by Gateway {set.Gateway.Key}", g)
            : Conditions.False(ConditionTypes.Programmed, ListenerSetReasons.Invalid, "no listener is programmed", g);
        return [accepted, programmed];
    }

    /// <summary>
    /// A Gateway listener's status, except that a conflicted listener's Programmed condition carries the conflict
    /// reason (as upstream's ListenerSet conformance tests expect) and a listener of a ListenerSet that is not
    /// accepted says so.
    /// </summary>
    private static ListenerStatus ListenerStatusOf(TranslationContext context, ListenerState l)
    {
        var status = OutputStep.ListenerStatusOf(context, l);
        var reason = l.ConflictReason ?? (l.Set is { IsAccepted: false } ? ListenerReasons.Invalid : null);
        if (reason is null)
        {
            return status;
        }

        var message = l.ConflictMessage ?? "the ListenerSet is not accepted";
        return status with
        {
            Conditions = status.Conditions
                .Select(c => c.Type == ConditionTypes.Programmed ? Conditions.False(ConditionTypes.Programmed, reason, message, l.Generation) : c)
                .ToList(),
        };
    }
}
