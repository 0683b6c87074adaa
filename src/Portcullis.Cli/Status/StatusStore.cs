namespace Portcullis.Cli.Status;

using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Portcullis.DataPlane;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;
using Portcullis.Translation;

/// <summary>
/// The status sink of standalone mode: the latest objects with their computed status, as the admin endpoint
/// and `portcullis get` show them. Each publish builds a complete immutable view and swaps it in whole, so a
/// reader never sees half of one publish and half of another.
/// </summary>
internal sealed class StatusStore(TimeProvider timeProvider)
{
    private readonly Lock _publishLock = new();
    private View _view = View.Empty;

    public StatusStore()
        : this(TimeProvider.System)
    {
    }

    /// <summary>True once the first snapshot has been published.</summary>
    public bool Ready => Volatile.Read(ref _view).Revision > 0;

    /// <summary>Counts publishes; 0 before the first.</summary>
    public long Revision => Volatile.Read(ref _view).Revision;

    public IReadOnlyList<ManifestDiagnostic> Diagnostics => Volatile.Read(ref _view).Diagnostics;

    public void Publish(
        ResourceSnapshot snapshot,
        StatusReport status,
        IReadOnlyList<ManifestDiagnostic> diagnostics,
        IReadOnlyList<BindFailure> bindFailures)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(bindFailures);

        // One publisher at a time: each publish reads the previous view's condition times.
        lock (_publishLock)
        {
            var previous = _view;
            var now = timeProvider.GetUtcNow();
            now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

            var byType = new Dictionary<ResourceType, List<Entry>>();
            foreach (var type in ResourceType.All)
            {
                byType[type] = [];
            }

            var byRef = new Dictionary<ObjectRef, Entry>(previous.ByRef.Count);
            foreach (var obj in snapshot.All)
            {
                var type = TypeOf(obj);
                if (type is null)
                {
                    continue;
                }

                // An object that is the same instance as last time (the provider reuses unchanged objects) with a
                // status equal by value keeps its entry, stamps and all: at 10,000 routes, copying and re-stamping
                // every status on each change was most of a publish.
                var report = ReportOf(obj, status, bindFailures);
                previous.ByRef.TryGetValue(obj.Ref, out var before);
                Entry entry;
                if (before is not null && ReferenceEquals(before.Source, obj) && StatusEquality.Same(before.Report, report))
                {
                    entry = before;
                }
                else
                {
                    // Kept as objects, not JSON: serializing every object (10,000 Secrets at scale) on each publish
                    // cost seconds and doubled memory, while the admin endpoint reads a few of them now and then.
                    var stamper = new ConditionStamper(before?.Stamps ?? NoStamps, now);
                    var withStatus = MergeStatus(obj, report, stamper);
                    entry = new Entry(obj.Metadata.Namespace, obj.Metadata.Name, withStatus, type, obj, report, stamper.Next);
                }

                byType[type].Add(entry);
                byRef[obj.Ref] = entry;
            }

            var lists = byType.ToFrozenDictionary(kv => kv.Key.Plural, kv => (IReadOnlyList<Entry>)InOrder(kv.Value), StringComparer.Ordinal);
            var next = new View(previous.Revision + 1, lists, diagnostics.ToArray(), byRef);
            Volatile.Write(ref _view, next);
        }
    }

    private static readonly IReadOnlyDictionary<StampKey, ConditionStamp> NoStamps = new Dictionary<StampKey, ConditionStamp>();

    /// <summary>The status the translator reported for the object (with bind failures, for a Gateway), before stamping; null when it reported none.</summary>
    private static object? ReportOf(KubernetesObject obj, StatusReport report, IReadOnlyList<BindFailure> bindFailures) => obj switch
    {
        GatewayClass => report.GatewayClasses.GetValueOrDefault(obj.Ref),
        Gateway => report.Gateways.TryGetValue(obj.Ref, out var s) ? BindFailureStatus.Apply(obj.Ref, s, bindFailures) : null,
        HttpRoute => report.HttpRoutes.GetValueOrDefault(obj.Ref),
        GrpcRoute => report.GrpcRoutes.GetValueOrDefault(obj.Ref),
        TlsRoute => report.TlsRoutes.GetValueOrDefault(obj.Ref),
        TcpRoute => report.TcpRoutes.GetValueOrDefault(obj.Ref),
        UdpRoute => report.UdpRoutes.GetValueOrDefault(obj.Ref),
        BackendLbPolicy => report.BackendLbPolicies.GetValueOrDefault(obj.Ref),
        XBackendTrafficPolicy => report.XBackendTrafficPolicies.GetValueOrDefault(obj.Ref),
        ListenerSet => report.ListenerSets.GetValueOrDefault(obj.Ref),
        BackendTlsPolicy => report.BackendTlsPolicies.GetValueOrDefault(obj.Ref),
        _ => null,
    };

    /// <summary>
    /// Objects of a resource (by plural name), in one namespace or, with a null namespace, in all of them.
    /// Each call returns fresh JSON: callers may change it without touching the store.
    /// </summary>
    public IReadOnlyList<JsonObject> List(string plural, string? @namespace)
    {
        var view = Volatile.Read(ref _view);
        if (!view.Objects.TryGetValue(plural, out var entries))
        {
            return [];
        }

        return entries
            .Where(e => @namespace is null || e.Namespace == @namespace)
            .Select(e => e.ToJson())
            .ToList();
    }

    /// <summary>One object by resource plural, namespace (null for cluster-scoped kinds) and name; null if absent.</summary>
    public JsonObject? Get(string plural, string? @namespace, string name)
    {
        var view = Volatile.Read(ref _view);
        if (!view.Objects.TryGetValue(plural, out var entries))
        {
            return null;
        }

        foreach (var e in entries)
        {
            if (e.Namespace == @namespace && e.Name == name)
            {
                return e.ToJson();
            }
        }

        return null;
    }

    /// <summary>
    /// By namespace, then name. A snapshot lists objects in that order within a kind already, so the check is all
    /// a publish usually pays (sorting 10,000 entries per kind on every publish was a visible part of it).
    /// </summary>
    private static List<Entry> InOrder(List<Entry> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            if (Compare(entries[i - 1], entries[i]) > 0)
            {
                entries.Sort(Compare);
                break;
            }
        }

        return entries;

        static int Compare(Entry a, Entry b)
        {
            var c = string.CompareOrdinal(a.Namespace, b.Namespace);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        }
    }

    private static ResourceType? TypeOf(KubernetesObject obj) => obj switch
    {
        GatewayClass => ResourceType.GatewayClasses,
        Gateway => ResourceType.Gateways,
        HttpRoute => ResourceType.HttpRoutes,
        GrpcRoute => ResourceType.GrpcRoutes,
        TlsRoute => ResourceType.TlsRoutes,
        TcpRoute => ResourceType.TcpRoutes,
        UdpRoute => ResourceType.UdpRoutes,
        ListenerSet => ResourceType.ListenerSets,
        ReferenceGrant => ResourceType.ReferenceGrants,
        Secret => ResourceType.Secrets,
        ConfigMap => ResourceType.ConfigMaps,
        Service => ResourceType.Services,
        EndpointSlice => ResourceType.EndpointSlices,
        Namespace => ResourceType.Namespaces,
        BackendLbPolicy => ResourceType.BackendLbPolicies,
        XBackendTrafficPolicy => ResourceType.XBackendTrafficPolicies,
        BackendTlsPolicy => ResourceType.BackendTlsPolicies,
        _ => null,
    };

    /// <summary>The object with <paramref name="report"/> (from <see cref="ReportOf"/>) stamped in as its status.</summary>
    private static KubernetesObject MergeStatus(KubernetesObject obj, object? report, ConditionStamper stamper) =>
        // Objects the translator did not report on (e.g. another controller's) keep the status they came with.
        (obj, report) switch
        {
            (GatewayClass gc, GatewayClassStatus s) => gc with { Status = stamper.Stamp(obj.Ref, s) },
            (Gateway gw, GatewayStatus s) => gw with { Status = stamper.Stamp(obj.Ref, s) },
            (HttpRoute route, HttpRouteStatus s) => route with { Status = stamper.Stamp(obj.Ref, s) },
            (GrpcRoute route, GrpcRouteStatus s) => route with { Status = new GrpcRouteStatus { Parents = stamper.Stamp(obj.Ref, s.Parents) } },
            (TlsRoute route, L4RouteStatus s) => route with { Status = stamper.Stamp(obj.Ref, s) },
            (TcpRoute route, L4RouteStatus s) => route with { Status = stamper.Stamp(obj.Ref, s) },
            (UdpRoute route, L4RouteStatus s) => route with { Status = stamper.Stamp(obj.Ref, s) },
            (BackendLbPolicy policy, PolicyStatus s) => policy with { Status = stamper.Stamp(obj.Ref, s) },
            (XBackendTrafficPolicy policy, PolicyStatus s) => policy with { Status = stamper.Stamp(obj.Ref, s) },
            (ListenerSet set, ListenerSetStatus s) => set with { Status = stamper.Stamp(obj.Ref, s) },
            (BackendTlsPolicy policy, PolicyStatus s) => policy with { Status = stamper.Stamp(obj.Ref, s) },
            _ => obj,
        };

    /// <param name="Object">The object with its stamped status, as served.</param>
    /// <param name="Source">The snapshot's object it was made from, compared by reference on the next publish.</param>
    /// <param name="Report">The translator's status for it before stamping (null if none), compared by value.</param>
    /// <param name="Stamps">Its conditions' statuses and transition times, for the next publish to carry on.</param>
    private sealed record Entry(string? Namespace, string Name, KubernetesObject Object, ResourceType Type,
        KubernetesObject Source, object? Report, IReadOnlyDictionary<StampKey, ConditionStamp> Stamps)
    {
        public JsonObject ToJson() => ObjectJson.ToKubernetesJson(Object, Type);
    }

    private sealed record View(
        long Revision,
        FrozenDictionary<string, IReadOnlyList<Entry>> Objects,
        IReadOnlyList<ManifestDiagnostic> Diagnostics,
        IReadOnlyDictionary<ObjectRef, Entry> ByRef)
    {
        public static View Empty { get; } = new(
            0,
            FrozenDictionary<string, IReadOnlyList<Entry>>.Empty,
            [],
            new Dictionary<ObjectRef, Entry>());
    }
}
