namespace Portcullis.Cli.Status;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>
/// Stamps lastTransitionTime the way Kubernetes' meta.SetStatusCondition does: a condition keeps its previous
/// time while its status stays the same, and gets "now" when it is new or its status changed.
/// Keys are "object | where in the status | condition type"; the map of one publish feeds the next.
/// </summary>
internal sealed class ConditionStamper(IReadOnlyDictionary<string, ConditionStamp> previous, DateTimeOffset now)
{
    private readonly Dictionary<string, ConditionStamp> _next = new(StringComparer.Ordinal);

    /// <summary>The stamps this publish produced, for the next one.</summary>
    public IReadOnlyDictionary<string, ConditionStamp> Next => _next;

    public GatewayClassStatus Stamp(ObjectRef obj, GatewayClassStatus status) =>
        status with { Conditions = Stamp(Key(obj, ""), status.Conditions) };

    public GatewayStatus Stamp(ObjectRef obj, GatewayStatus status) => status with
    {
        Conditions = Stamp(Key(obj, ""), status.Conditions),
        Listeners = status.Listeners
            .Select(l => l with { Conditions = Stamp(Key(obj, "listener/" + l.Name), l.Conditions) })
            .ToList(),
    };

    public HttpRouteStatus Stamp(ObjectRef obj, HttpRouteStatus status) => status with { Parents = Stamp(obj, status.Parents) };

    public L4RouteStatus Stamp(ObjectRef obj, L4RouteStatus status) => status with { Parents = Stamp(obj, status.Parents) };

    /// <summary>A route's parent statuses, whatever the route's kind.</summary>
    public IReadOnlyList<RouteParentStatus> Stamp(ObjectRef obj, IReadOnlyList<RouteParentStatus> parents) =>
        parents.Select(p => p with { Conditions = Stamp(Key(obj, ParentKey(p)), p.Conditions) }).ToList();

    /// <summary>A policy's ancestor statuses, keyed like route parents.</summary>
    public PolicyStatus Stamp(ObjectRef obj, PolicyStatus status) => status with
    {
        Ancestors = status.Ancestors
            .Select(a => a with { Conditions = Stamp(Key(obj, ParentKey(new RouteParentStatus { ParentRef = a.AncestorRef, ControllerName = a.ControllerName })), a.Conditions) })
            .ToList(),
    };

    private IReadOnlyList<Condition> Stamp(string scope, IReadOnlyList<Condition> conditions)
    {
        var stamped = new Condition[conditions.Count];
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            var key = scope + "|" + c.Type;
            var time = previous.TryGetValue(key, out var before) && before.Status == c.Status ? before.Time : now;
            _next[key] = new ConditionStamp(c.Status, time);
            stamped[i] = c with { LastTransitionTime = time };
        }

        return stamped;
    }

    private static string Key(ObjectRef obj, string where) => $"{obj.Kind}/{obj.Namespace}/{obj.Name}|{where}";

    private static string ParentKey(RouteParentStatus p) =>
        $"parent/{p.ControllerName}/{p.ParentRef.Group}/{p.ParentRef.Kind}/{p.ParentRef.Namespace}/{p.ParentRef.Name}/{p.ParentRef.SectionName}/{p.ParentRef.Port}";
}

/// <summary>A condition's status and when it last changed.</summary>
internal readonly record struct ConditionStamp(string Status, DateTimeOffset Time);
