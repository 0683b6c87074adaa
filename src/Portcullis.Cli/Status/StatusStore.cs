namespace Portcullis.Cli.Status;

using System.Collections.Frozen;
using System.Runtime.InteropServices;
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

            // Counted first so that each type's entries go into a list of the right size: at 10,000 objects a list
            // of structs is on the large object heap, where every outgrown array would wait for a full collection.
            var counts = new Dictionary<ResourceType, int>(ReferenceEqualityComparer.Instance);
            foreach (var obj in snapshot.All)
            {
                if (TypeOf(obj) is { } type)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(counts, type, out _)++;
                }
            }

            // Each type's objects come in the snapshot's order, which is the store's: the previous entry of an object is
            // usually the one after the last found, and is then found by reference without comparing names.
            var builders = new Dictionary<ResourceType, TypeBuilder>(counts.Count, ReferenceEqualityComparer.Instance);
            foreach (var (type, count) in counts)
            {
                builders[type] = new TypeBuilder(type, count, previous.Objects.GetValueOrDefault(type.Plural));
            }

            var reports = new Reports(status, bindFailures);
            TypeBuilder? builder = null;
            foreach (var obj in snapshot.All)
            {
                if (TypeOf(obj) is not { } type)
                {
                    continue;
                }

                if (!ReferenceEquals(builder?.Type, type))
                {
                    builder = builders[type];
                }

                // An object that is the same instance as last time (the provider reuses unchanged objects) with a
                // status equal by value keeps its entry, times and all: at 10,000 routes, re-stamping every status
                // on each change was most of a publish.
                var report = reports.Of(obj);
                var index = builder!.IndexOfPrevious(obj);
                Entry? before = index >= 0 ? builder.Previous(index) : null;
                if (before is { } b && ReferenceEquals(b.Source, obj) && StatusEquality.Same(b.Report, report))
                {
                    builder.Keep(index);
                }
                else
                {
                    builder.Add(new Entry(obj, report, ConditionStamper.Times(before?.Report, before?.Times ?? default, report, now)));
                }
            }

            var objects = builders.ToFrozenDictionary(kv => kv.Key.Plural, kv => kv.Value.Build(), StringComparer.Ordinal);
            var next = new View(previous.Revision + 1, objects, diagnostics.ToArray());
            Volatile.Write(ref _view, next);
        }
    }

    /// <summary>
    /// Objects of a resource (by plural name), in one namespace or, with a null namespace, in all of them.
    /// Each call returns fresh JSON: callers may change it without touching the store.
    /// </summary>
    public IReadOnlyList<JsonObject> List(string plural, string? @namespace)
    {
        var view = Volatile.Read(ref _view);
        if (!view.Objects.TryGetValue(plural, out var objects))
        {
            return [];
        }

        return objects.Entries
            .Where(e => @namespace is null || e.Namespace == @namespace)
            .Select(e => e.ToJson(objects.Type))
            .ToList();
    }

    /// <summary>One object by resource plural, namespace (null for cluster-scoped kinds) and name; null if absent.</summary>
    public JsonObject? Get(string plural, string? @namespace, string name)
    {
        var view = Volatile.Read(ref _view);
        return view.Objects.TryGetValue(plural, out var objects) && objects.Find(@namespace, name) is { } entry
            ? entry.ToJson(objects.Type)
            : null;
    }

    /// <summary>
    /// By namespace, then name. A snapshot lists objects in that order within a kind already, so the check is all
    /// a publish usually pays (sorting 10,000 entries per kind on every publish was a visible part of it).
    /// </summary>
    private static List<Entry> InOrder(List<Entry> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            if (Compare(entries[i - 1], entries[i].Namespace, entries[i].Name) > 0)
            {
                entries.Sort((a, b) => Compare(a, b.Namespace, b.Name));
                break;
            }
        }

        return entries;
    }

    private static int Compare(Entry entry, string? @namespace, string name)
    {
        var c = string.CompareOrdinal(entry.Namespace, @namespace);
        return c != 0 ? c : string.CompareOrdinal(entry.Name, name);
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
    private static KubernetesObject MergeStatus(KubernetesObject obj, object? report, TransitionTimes times)
    {
        // Objects the translator did not report on (e.g. another controller's) keep the status they came with.
        var stamper = new ConditionStamper(times);
        return (obj, report) switch
        {
            (GatewayClass gc, GatewayClassStatus s) => gc with { Status = stamper.Stamp(s) },
            (Gateway gw, GatewayStatus s) => gw with { Status = stamper.Stamp(s) },
            (HttpRoute route, HttpRouteStatus s) => route with { Status = stamper.Stamp(s) },
            (GrpcRoute route, GrpcRouteStatus s) => route with { Status = stamper.Stamp(s) },
            (TlsRoute route, L4RouteStatus s) => route with { Status = stamper.Stamp(s) },
            (TcpRoute route, L4RouteStatus s) => route with { Status = stamper.Stamp(s) },
            (UdpRoute route, L4RouteStatus s) => route with { Status = stamper.Stamp(s) },
            (BackendLbPolicy policy, PolicyStatus s) => policy with { Status = stamper.Stamp(s) },
            (XBackendTrafficPolicy policy, PolicyStatus s) => policy with { Status = stamper.Stamp(s) },
            (ListenerSet set, ListenerSetStatus s) => set with { Status = stamper.Stamp(s) },
            (BackendTlsPolicy policy, PolicyStatus s) => policy with { Status = stamper.Stamp(s) },
            _ => obj,
        };
    }

    /// <summary>
    /// One object as the store keeps it: a struct in its type's list, not an object of its own (20,000 fewer for the
    /// collector to trace at 10,000 hosts). Its served form, with the stamped status, is made when asked for.
    /// </summary>
    /// <param name="Source">The snapshot's object, compared by reference on the next publish.</param>
    /// <param name="Report">The translator's status for it before stamping (null if none), compared by value.</param>
    /// <param name="Times">Its conditions' transition times, stamped in when served and carried on by the next publish.</param>
    private readonly record struct Entry(KubernetesObject Source, object? Report, TransitionTimes Times)
    {
        public string? Namespace => Source.Metadata.Namespace;

        public string Name => Source.Metadata.Name;

        public JsonObject ToJson(ResourceType type) => ObjectJson.ToKubernetesJson(MergeStatus(Source, Report, Times), type);
    }

    /// <summary>The objects of one resource type, by namespace and then name (see <see cref="InOrder"/>).</summary>
    private sealed record Objects(ResourceType Type, List<Entry> Entries)
    {
        /// <summary>Binary search: within one type, namespace and name identify an object (the kind is the type's).</summary>
        public Entry? Find(string? @namespace, string name) => IndexOf(@namespace, name) is var i and >= 0 ? Entries[i] : null;

        /// <summary>The index of the entry, or a negative number when there is none.</summary>
        public int IndexOf(string? @namespace, string name) => CollectionsMarshal.AsSpan(Entries).BinarySearch(new EntryKey(@namespace, name));
    }

    /// <summary>The statuses the translator reported, for objects asked in the snapshot's order (see <see cref="ReportLookup{T}"/>).</summary>
    private sealed class Reports(StatusReport report, IReadOnlyList<BindFailure> bindFailures)
    {
        private readonly ReportLookup<GatewayClassStatus> _gatewayClasses = new(report.GatewayClasses);
        private readonly ReportLookup<GatewayStatus> _gateways = new(report.Gateways);
        private readonly ReportLookup<HttpRouteStatus> _httpRoutes = new(report.HttpRoutes);
        private readonly ReportLookup<GrpcRouteStatus> _grpcRoutes = new(report.GrpcRoutes);
        private readonly ReportLookup<L4RouteStatus> _tlsRoutes = new(report.TlsRoutes);
        private readonly ReportLookup<L4RouteStatus> _tcpRoutes = new(report.TcpRoutes);
        private readonly ReportLookup<L4RouteStatus> _udpRoutes = new(report.UdpRoutes);
        private readonly ReportLookup<PolicyStatus> _backendLbPolicies = new(report.BackendLbPolicies);
        private readonly ReportLookup<PolicyStatus> _xBackendTrafficPolicies = new(report.XBackendTrafficPolicies);
        private readonly ReportLookup<ListenerSetStatus> _listenerSets = new(report.ListenerSets);
        private readonly ReportLookup<PolicyStatus> _backendTlsPolicies = new(report.BackendTlsPolicies);

        /// <summary>The status the translator reported for the object (with bind failures, for a Gateway), before stamping; null when it reported none.</summary>
        public object? Of(KubernetesObject obj) => obj switch
        {
            GatewayClass => _gatewayClasses.Find(obj.Ref),
            Gateway => _gateways.Find(obj.Ref) is { } s ? BindFailureStatus.Apply(obj.Ref, s, bindFailures) : null,
            HttpRoute => _httpRoutes.Find(obj.Ref),
            GrpcRoute => _grpcRoutes.Find(obj.Ref),
            TlsRoute => _tlsRoutes.Find(obj.Ref),
            TcpRoute => _tcpRoutes.Find(obj.Ref),
            UdpRoute => _udpRoutes.Find(obj.Ref),
            BackendLbPolicy => _backendLbPolicies.Find(obj.Ref),
            XBackendTrafficPolicy => _xBackendTrafficPolicies.Find(obj.Ref),
            ListenerSet => _listenerSets.Find(obj.Ref),
            BackendTlsPolicy => _backendTlsPolicies.Find(obj.Ref),
            _ => null,
        };
    }

    /// <summary>
    /// One type's entries of a publish, made from the previous publish's: while every entry is kept in its place, no
    /// list is made at all, and the previous <see cref="Objects"/> is used again (the 10,000 Secrets of a change to one
    /// route, which have no status, cost neither a list nor a look-up by name).
    /// </summary>
    private sealed class TypeBuilder(ResourceType type, int count, Objects? previous)
    {
        private List<Entry>? _entries; // null while the entries are the previous ones, in order, up to _kept
        private int _kept;
        private int _cursor; // the previous entry after the one found last

        public ResourceType Type { get; } = type;

        /// <summary>The index of the object's entry in the previous publish, or a negative number when it had none.</summary>
        public int IndexOfPrevious(KubernetesObject obj)
        {
            if (previous is null)
            {
                return -1;
            }

            if (_cursor < previous.Entries.Count && ReferenceEquals(previous.Entries[_cursor].Source, obj))
            {
                return _cursor++;
            }

            var i = previous.IndexOf(obj.Metadata.Namespace, obj.Metadata.Name);
            if (i >= 0)
            {
                _cursor = i + 1;
            }

            return i;
        }

        public Entry Previous(int index) => previous!.Entries[index];

        /// <summary>Adds the previous entry at <paramref name="index"/> unchanged.</summary>
        public void Keep(int index)
        {
            if (_entries is null && index == _kept)
            {
                _kept++;
                return;
            }

            Add(previous!.Entries[index]);
        }

        public void Add(Entry entry)
        {
            if (_entries is null)
            {
                _entries = new List<Entry>(count);
                if (_kept > 0)
                {
                    _entries.AddRange(CollectionsMarshal.AsSpan(previous!.Entries)[.._kept]);
                }
            }

            _entries.Add(entry);
        }

        public Objects Build() => _entries is null && previous is not null && _kept == previous.Entries.Count
            ? previous
            : new Objects(Type, InOrder(_entries ?? [.. CollectionsMarshal.AsSpan(previous?.Entries)[.._kept]]));
    }

    /// <summary>A namespace and name to look up, ordered as <see cref="InOrder"/> sorts the entries.</summary>
    private readonly record struct EntryKey(string? Namespace, string Name) : IComparable<Entry>
    {
        public int CompareTo(Entry other) => -Compare(other, Namespace, Name);
    }

    private sealed record View(long Revision, FrozenDictionary<string, Objects> Objects, IReadOnlyList<ManifestDiagnostic> Diagnostics)
    {
        public static View Empty { get; } = new(0, FrozenDictionary<string, Objects>.Empty, []);
    }
}
