namespace Portcullis.Translation.Routing;

using Portcullis.Model.GatewayApi;

/// <summary>Whether a listener's allowedRoutes.namespaces lets routes from a namespace attach.</summary>
internal static class RouteAdmission
{
    public const string FromSame = "Same";
    public const string FromAll = "All";
    public const string FromSelector = "Selector";

    public static bool AllowsNamespace(Listener listener, string gatewayNamespace, string routeNamespace, SnapshotIndex index)
    {
        var from = listener.AllowedRoutes?.Namespaces?.From ?? FromSame;
        return from switch
        {
            FromSame => string.Equals(gatewayNamespace, routeNamespace, StringComparison.Ordinal),
            FromAll => true,
            FromSelector => listener.AllowedRoutes?.Namespaces?.Selector is { } selector
                && Matches(selector, index.NamespaceLabels(routeNamespace)),
            _ => false,
        };
    }

    /// <summary>Kubernetes label selector semantics: every matchLabels entry and every expression must hold.</summary>
    public static bool Matches(LabelSelector selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var e in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(e.Key, out var actual);
            var values = e.Values ?? [];
            var ok = e.Operator switch
            {
                "In" => has && values.Contains(actual),
                "NotIn" => !has || !values.Contains(actual),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false, // an operator we do not know selects nothing rather than everything
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
