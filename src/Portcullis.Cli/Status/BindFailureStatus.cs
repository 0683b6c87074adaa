namespace Portcullis.Cli.Status;

using Portcullis.DataPlane;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>
/// Folds the data plane's bind failures into the translator's Gateway status: the translator cannot know
/// that a port was taken, so a listener it called Programmed is corrected here. A taken port makes the
/// listener Accepted=False PortUnavailable (the spec's reason for "the port is already in use"); an address
/// that is not this machine's makes the Gateway Programmed=False AddressNotUsable.
/// </summary>
internal static class BindFailureStatus
{
    public const string Programmed = "Programmed";
    public const string Accepted = "Accepted";
    public const string ReasonInvalid = "Invalid";
    public const string ReasonPortUnavailable = "PortUnavailable";
    public const string ReasonAddressNotUsable = "AddressNotUsable";

    public static GatewayStatus Apply(ObjectRef gateway, GatewayStatus status, IReadOnlyList<BindFailure> failures)
    {
        if (failures.Count == 0 || status.Listeners.Count == 0)
        {
            return status;
        }

        var prefix = $"{gateway.Namespace}/{gateway.Name}/";
        var failed = new Dictionary<string, BindFailure>(StringComparer.Ordinal);
        foreach (var f in failures)
        {
            foreach (var listener in f.Listeners)
            {
                if (listener.StartsWith(prefix, StringComparison.Ordinal))
                {
                    failed.TryAdd(listener[prefix.Length..], f);
                }
            }
        }

        if (failed.Count == 0)
        {
            return status;
        }

        var listeners = status.Listeners
            .Select(l => failed.TryGetValue(l.Name, out var f) ? l with { Conditions = ListenerConditions(l.Conditions, f) } : l)
            .ToList();
        var conditions = status.Conditions;
        if (status.Listeners.All(l => failed.ContainsKey(l.Name)))
        {
            var where = string.Join(", ", failed.Values.Distinct().Select(f => $"{Endpoint(f)}: {f.Reason}"));
            var reason = failed.Values.Any(f => f.Kind == BindFailureKind.AddressNotUsable) ? ReasonAddressNotUsable : ReasonInvalid;
            conditions = Set(conditions, Programmed, reason, $"no listener could bind: {where}");
        }

        return status with { Listeners = listeners, Conditions = conditions };
    }

    private static string Endpoint(BindFailure f) =>
        f.Address.Contains(':', StringComparison.Ordinal) ? $"[{f.Address}]:{f.Port}" : $"{f.Address}:{f.Port}";

    private static List<Condition> ListenerConditions(IReadOnlyList<Condition> conditions, BindFailure f)
    {
        var message = $"cannot listen on {Endpoint(f)}: {f.Reason}";
        var result = Set(conditions, Programmed, ReasonInvalid, message);
        return f.Kind == BindFailureKind.PortUnavailable ? Set(result, Accepted, ReasonPortUnavailable, message) : result;
    }

    /// <summary>Sets the condition of that type to False with the reason, adding it when absent.</summary>
    private static List<Condition> Set(IReadOnlyList<Condition> conditions, string type, string reason, string message)
    {
        var result = new List<Condition>(conditions.Count + 1);
        var replaced = false;
        foreach (var c in conditions)
        {
            if (c.Type == type)
            {
                result.Add(c with { Status = "False", Reason = reason, Message = message });
                replaced = true;
            }
            else
            {
                result.Add(c);
            }
        }

        if (!replaced)
        {
            result.Add(new Condition
            {
                Type = type,
                Status = "False",
                Reason = reason,
                Message = message,
                ObservedGeneration = conditions.Count > 0 ? conditions[0].ObservedGeneration : null,
            });
        }

        return result;
    }
}
