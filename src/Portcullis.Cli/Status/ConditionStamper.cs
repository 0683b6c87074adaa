namespace Portcullis.Cli.Status;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>
/// Stamps lastTransitionTime the way Kubernetes' meta.SetStatusCondition does: a condition keeps its previous
/// time while its status stays the same, and gets "now" when it is new or its status changed.
/// Keys are (object, where in the status, condition type); one stamper serves one object, and the map it produces
/// feeds the stamper of the same object in the next publish that changes it.
/// </summary>
internal sealed class ConditionStamper(IReadOnlyDictionary<StampKey, ConditionStamp> previous, DateTimeOffset now)
{
    private readonly Dictionary<StampKey, ConditionStamp> _next = new(previous.Count);

    /// <summary>The stamps this stamper produced, for the next publish.</summary>
    public IReadOnlyDictionary<StampKey, ConditionStamp> Next => _next;

    public GatewayClassStatus Stamp(ObjectRef obj, GatewayClassStatus status) =>
        status with { Conditions = Stamp(new StampScope(obj), status.Conditions) };

    public GatewayStatus Stamp(ObjectRef obj, GatewayStatus status) => status with
    {
        Conditions = Stamp(new StampScope(obj), status.Conditions),
        Listeners = StampListeners(obj, status.Listeners),
    };

    public ListenerSetStatus Stamp(ObjectRef obj, ListenerSetStatus status) => status with
    {
        Conditions = Stamp(new StampScope(obj), status.Conditions),
        Listeners = StampListeners(obj, status.Listeners),
    };

    public HttpRouteStatus Stamp(ObjectRef obj, HttpRouteStatus status) => status with { Parents = Stamp(obj, status.Parents) };

    public L4RouteStatus Stamp(ObjectRef obj, L4RouteStatus status) => status with { Parents = Stamp(obj, status.Parents) };

    /// <summary>A policy's ancestor statuses (keyed like route parents: by controller and ancestorRef).</summary>
    public PolicyStatus Stamp(ObjectRef obj, PolicyStatus status) => status with
    {
        Ancestors = status.Ancestors
            .Select(a => a with { Conditions = Stamp(new StampScope(obj, Parent: a.AncestorRef, Controller: a.ControllerName), a.Conditions) })
            .ToList(),
    };

    /// <summary>A route's parent statuses, whatever the route's kind.</summary>
    public IReadOnlyList<RouteParentStatus> Stamp(ObjectRef obj, IReadOnlyList<RouteParentStatus> parents) =>
        parents.Select(p => p with { Conditions = Stamp(new StampScope(obj, Parent: p.ParentRef, Controller: p.ControllerName), p.Conditions) }).ToList();

    /// <summary>Gateway and ListenerSet listener statuses, keyed by listener name.</summary>
    private List<ListenerStatus> StampListeners(ObjectRef obj, IReadOnlyList<ListenerStatus> listeners) =>
        listeners.Select(l => l with { Conditions = Stamp(new StampScope(obj, Listener: l.Name), l.Conditions) }).ToList();

    private IReadOnlyList<Condition> Stamp(StampScope scope, IReadOnlyList<Condition> conditions)
    {
        var stamped = new Condition[conditions.Count];
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            var key = new StampKey(scope, c.Type);
            var time = previous.TryGetValue(key, out var before) && before.Status == c.Status ? before.Time : now;
            _next[key] = new ConditionStamp(c.Status, time);
            stamped[i] = c with { LastTransitionTime = time };
        }

        return stamped;
    }
}

/// <summary>
/// Where in an object's status a condition list is: the object itself, one Gateway listener, or one route parent.
/// Compared by value (ParentReference is a record of scalars), so a key costs no string building.
/// </summary>
internal readonly record struct StampScope(ObjectRef Object, string? Listener = null, ParentReference? Parent = null, string? Controller = null);

/// <summary>One condition of one scope.</summary>
internal readonly record struct StampKey(StampScope Scope, string Type);

/// <summary>A condition's status and when it last changed.</summary>
internal readonly record struct ConditionStamp(string Status, DateTimeOffset Time);
