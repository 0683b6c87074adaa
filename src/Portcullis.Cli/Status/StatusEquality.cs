namespace Portcullis.Cli.Status;

using Portcullis.Model.GatewayApi;

/// <summary>
/// Value equality of the translator's status records, whose lists compare by reference as records: the status store
/// keeps an object's stamped status when the new one is equal. Kinds not listed compare by instance, so they are
/// re-stamped on every publish (Gateways and ListenerSets: few objects, and bind failures are merged into them).
/// </summary>
internal static class StatusEquality
{
    public static bool Same(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (HttpRouteStatus x, HttpRouteStatus y) => Parents(x.Parents, y.Parents),
        (GrpcRouteStatus x, GrpcRouteStatus y) => Parents(x.Parents, y.Parents),
        (L4RouteStatus x, L4RouteStatus y) => Parents(x.Parents, y.Parents),
        (GatewayClassStatus x, GatewayClassStatus y) => Conditions(x.Conditions, y.Conditions),
        (PolicyStatus x, PolicyStatus y) => Ancestors(x.Ancestors, y.Ancestors),
        _ => ReferenceEquals(a, b),
    };

    private static bool Parents(IReadOnlyList<RouteParentStatus> a, IReadOnlyList<RouteParentStatus> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].ParentRef != b[i].ParentRef || a[i].ControllerName != b[i].ControllerName || !Conditions(a[i].Conditions, b[i].Conditions))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Ancestors(IReadOnlyList<PolicyAncestorStatus> a, IReadOnlyList<PolicyAncestorStatus> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].AncestorRef != b[i].AncestorRef || a[i].ControllerName != b[i].ControllerName || !Conditions(a[i].Conditions, b[i].Conditions))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Conditions are records of scalars, so each compares by value.</summary>
    private static bool Conditions(IReadOnlyList<Condition> a, IReadOnlyList<Condition> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
