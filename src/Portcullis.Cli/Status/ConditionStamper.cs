namespace Portcullis.Cli.Status;

using Portcullis.Model.GatewayApi;

/// <summary>
/// Stamps lastTransitionTime the way Kubernetes' meta.SetStatusCondition does: a condition keeps its previous
/// time while its status stays the same, and gets "now" when it is new or its status changed. A condition is
/// known by its scope in its object's status (the object itself, one listener, one route parent or policy
/// ancestor) and its type.
/// </summary>
/// <remarks>
/// The store keeps, per object, the translator's report and one time per condition (<see cref="TransitionTimes"/>,
/// in the order <see cref="Conditions"/> lists them): <see cref="Times"/> works the times out at publish, and a
/// stamper puts them into the report when the object is served. Keeping a stamped copy of every status and a
/// dictionary of stamps per object cost ~20 MB and ~200,000 objects at 10,000 routes, for an admin endpoint that
/// reads a few objects now and then.
/// </remarks>
internal sealed class ConditionStamper(TransitionTimes times)
{
    /// <summary>Up to this many previous conditions are searched one by one; more (a Gateway's listeners) get a dictionary.</summary>
    private const int ScanLimit = 8;

    /// <summary>The position, in the order of <see cref="Conditions"/>, of the next condition to stamp.</summary>
    private int _next;

    // The Stamp methods must visit conditions in the order Conditions lists them: the times are positional.
    public GatewayClassStatus Stamp(GatewayClassStatus status) => status with { Conditions = Stamp(status.Conditions) };

    public GatewayStatus Stamp(GatewayStatus status) => status with
    {
        Conditions = Stamp(status.Conditions),
        Listeners = StampListeners(status.Listeners),
    };

    public ListenerSetStatus Stamp(ListenerSetStatus status) => status with
    {
        Conditions = Stamp(status.Conditions),
        Listeners = StampListeners(status.Listeners),
    };

    public HttpRouteStatus Stamp(HttpRouteStatus status) => status with { Parents = Stamp(status.Parents) };

    public GrpcRouteStatus Stamp(GrpcRouteStatus status) => new() { Parents = Stamp(status.Parents) };

    public L4RouteStatus Stamp(L4RouteStatus status) => status with { Parents = Stamp(status.Parents) };

    /// <summary>A policy's ancestor statuses (keyed like route parents: by controller and ancestorRef).</summary>
    public PolicyStatus Stamp(PolicyStatus status) => status with
    {
        Ancestors = status.Ancestors.Select(a => a with { Conditions = Stamp(a.Conditions) }).ToList(),
    };

    private List<RouteParentStatus> Stamp(IReadOnlyList<RouteParentStatus> parents) =>
        parents.Select(p => p with { Conditions = Stamp(p.Conditions) }).ToList();

    private List<ListenerStatus> StampListeners(IReadOnlyList<ListenerStatus> listeners) =>
        listeners.Select(l => l with { Conditions = Stamp(l.Conditions) }).ToList();

    private Condition[] Stamp(IReadOnlyList<Condition> conditions)
    {
        var stamped = new Condition[conditions.Count];
        for (var i = 0; i < conditions.Count; i++)
        {
            stamped[i] = conditions[i] with { LastTransitionTime = times[_next++] };
        }

        return stamped;
    }

    /// <summary>The conditions of a status (as the store's ReportOf returns it; null for none) with their scopes, in stamping order.</summary>
    public static List<ScopedCondition> Conditions(object? status)
    {
        var all = new List<ScopedCondition>();
        switch (status)
        {
            case GatewayClassStatus s:
                Add(all, default, s.Conditions);
                break;
            case GatewayStatus s:
                Add(all, default, s.Conditions);
                AddListeners(all, s.Listeners);
                break;
            case ListenerSetStatus s:
                Add(all, default, s.Conditions);
                AddListeners(all, s.Listeners);
                break;
            case HttpRouteStatus s:
                AddParents(all, s.Parents);
                break;
            case GrpcRouteStatus s:
                AddParents(all, s.Parents);
                break;
            case L4RouteStatus s:
                AddParents(all, s.Parents);
                break;
            case PolicyStatus s:
                foreach (var a in s.Ancestors)
                {
                    Add(all, new StampScope(Parent: a.AncestorRef, Controller: a.ControllerName), a.Conditions);
                }

                break;
        }

        return all;

        static void AddListeners(List<ScopedCondition> all, IReadOnlyList<ListenerStatus> listeners)
        {
            foreach (var l in listeners)
            {
                Add(all, new StampScope(Listener: l.Name), l.Conditions);
            }
        }

        static void AddParents(List<ScopedCondition> all, IReadOnlyList<RouteParentStatus> parents)
        {
            foreach (var p in parents)
            {
                Add(all, new StampScope(Parent: p.ParentRef, Controller: p.ControllerName), p.Conditions);
            }
        }

        static void Add(List<ScopedCondition> all, StampScope scope, IReadOnlyList<Condition> conditions)
        {
            foreach (var c in conditions)
            {
                all.Add(new ScopedCondition(scope, c));
            }
        }
    }

    /// <summary>
    /// The times of <paramref name="report"/>'s conditions: a condition keeps the time of the previous report's
    /// condition of the same scope and type (the last one, should there be two) when that had the same status, and
    /// gets <paramref name="now"/> otherwise.
    /// </summary>
    public static TransitionTimes Times(object? previousReport, TransitionTimes previousTimes, object? report, DateTimeOffset now)
    {
        var current = Conditions(report);
        if (current.Count == 0)
        {
            return default;
        }

        var before = Conditions(previousReport);
        var index = before.Count > ScanLimit ? IndexOf(before) : null;
        var times = new TransitionTimes.Builder(current.Count);
        foreach (var (scope, c) in current)
        {
            var key = new StampKey(scope, c.Type);
            var i = index is null ? LastIndexOf(before, key) : index.GetValueOrDefault(key, -1);
            times.Add(i >= 0 && before[i].Condition.Status == c.Status ? previousTimes[i] : now);
        }

        return times.Build();
    }

    private static int LastIndexOf(List<ScopedCondition> conditions, StampKey key)
    {
        for (var i = conditions.Count - 1; i >= 0; i--)
        {
            if (conditions[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    private static Dictionary<StampKey, int> IndexOf(List<ScopedCondition> conditions)
    {
        var index = new Dictionary<StampKey, int>(conditions.Count);
        for (var i = 0; i < conditions.Count; i++)
        {
            index[conditions[i].Key] = i;
        }

        return index;
    }
}

/// <summary>
/// Where in an object's status a condition list is: the object itself (all null), one listener, or one route parent
/// or policy ancestor. The object is not part of it: each object's conditions are only compared with its own.
/// Compared by value (ParentReference is a record of scalars), so a key costs no string building.
/// </summary>
internal readonly record struct StampScope(string? Listener = null, ParentReference? Parent = null, string? Controller = null);

/// <summary>One condition of one scope.</summary>
internal readonly record struct StampKey(StampScope Scope, string Type);

/// <summary>A condition with the scope it was reported in.</summary>
internal readonly record struct ScopedCondition(StampScope Scope, Condition Condition)
{
    public StampKey Key => new(Scope, Condition.Type);
}

/// <summary>
/// The lastTransitionTime of each of an object's conditions, by position in <see cref="ConditionStamper.Conditions"/>.
/// An object's conditions are mostly stamped in one publish, so a time shared by all is kept without an array.
/// Times are kept as ticks: the store stamps whole seconds in UTC (offset zero), so nothing else is lost.
/// </summary>
internal readonly struct TransitionTimes
{
    private readonly long _all;
    private readonly long[]? _each;

    private TransitionTimes(long all, long[]? each)
    {
        _all = all;
        _each = each;
    }

    public DateTimeOffset this[int index] => new(_each is null ? _all : _each[index], TimeSpan.Zero);

    /// <summary>Collects the times in order; allocates an array only once two of them differ.</summary>
    internal struct Builder(int count)
    {
        private long _first;
        private long[]? _each;
        private int _count;

        public void Add(DateTimeOffset time)
        {
            var ticks = time.UtcTicks;
            if (_count == 0)
            {
                _first = ticks;
            }
            else if (_each is null && ticks != _first)
            {
                _each = new long[count];
                _each.AsSpan(0, _count).Fill(_first);
            }

            if (_each is not null)
            {
                _each[_count] = ticks;
            }

            _count++;
        }

        public readonly TransitionTimes Build() => new(_first, _each);
    }
}
