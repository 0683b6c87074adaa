namespace Portcullis.Cli.Status;

using Portcullis.Model.GatewayApi;

/// <summary>
/// Value equality of the translator's status records, whose lists compare by reference as records: the status store
/// keeps an object's stamped status when the new one is equal. A kind not listed here compares by instance, so it
/// is re-stamped on every publish: correct, only slower.
/// </summary>
internal static class StatusEquality
{
    public static bool Same(object? a, object? b) => ReferenceEquals(a, b) || (a, b) switch
    {
        (HttpRouteStatus x, HttpRouteStatus y) => Parents(x.Parents, y.Parents),
        (GrpcRouteStatus x, GrpcRouteStatus y) => Parents(x.Parents, y.Parents),
        (L4RouteStatus x, L4RouteStatus y) => Parents(x.Parents, y.Parents),
        (GatewayClassStatus x, GatewayClassStatus y) => Conditions(x.Conditions, y.Conditions),
        (PolicyStatus x, PolicyStatus y) => Ancestors(x.Ancestors, y.Ancestors),
        (GatewayStatus x, GatewayStatus y) => x.AttachedListenerSets == y.AttachedListenerSets && Records(x.Addresses, y.Addresses)
            && Conditions(x.Conditions, y.Conditions) && Listeners(x.Listeners, y.Listeners),
        (ListenerSetStatus x, ListenerSetStatus y) => Conditions(x.Conditions, y.Conditions) && Listeners(x.Listeners, y.Listeners),
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

    private static bool Listeners(IReadOnlyList<ListenerStatus> a, IReadOnlyList<ListenerStatus> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].Name != b[i].Name || a[i].AttachedRoutes != b[i].AttachedRoutes
                || !Records(a[i].SupportedKinds, b[i].SupportedKinds) || !Conditions(a[i].Conditions, b[i].Conditions))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Conditions(IReadOnlyList<Condition> a, IReadOnlyList<Condition> b) => Records(a, b);

    /// <summary>Lists of records of scalars (conditions, addresses, route kinds): each element compares by value.</summary>
    private static bool Records<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
        where T : IEquatable<T>
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!a[i].Equals(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
