namespace Portcullis.Translation;

using Portcullis.Ir;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Steps;

/// <summary>
/// Everything one translation run knows and has decided so far. Created fresh for every run, so no
/// step ever sees state left over from a previous snapshot.
/// </summary>
internal sealed class TranslationContext(ResourceSnapshot snapshot, TranslatorOptions options, TranslationCache? cache = null)
{
    public ResourceSnapshot Snapshot { get; } = snapshot;

    public TranslatorOptions Options { get; } = options;

    /// <summary>The caller's cache: what may be reused from the previous translation. Null: everything is computed.</summary>
    public TranslationCache? Cache { get; } = cache;

    /// <summary>Certificate checks by content: the cache's, or this translation's own.</summary>
    public Tls.CertificateCheckCache CertificateChecks { get; } = cache?.CertificateChecks ?? new();

    /// <summary>
    /// Each TLS Secret judged so far in this translation (by reference: a Secret is judged once). With a cache, the cache's
    /// table of what this translation carries on serves instead, so the 10,000 Secrets of a large config are not indexed twice.
    /// </summary>
    public bool TryGetJudged(Secret secret, out Tls.SecretCertificate judged) =>
        Cache is { } cache ? cache.Certificates.TryGetCurrent(secret, out judged) : SecretCertificates.TryGetValue(secret, out judged!);

    /// <summary>Records a Secret's judgement for the rest of this translation and, with a cache, for the next one.</summary>
    public void Judged(Secret secret, Tls.SecretCertificate judged)
    {
        if (Cache is { } cache)
        {
            cache.Certificates.Keep(secret, judged);
        }
        else
        {
            SecretCertificates[secret] = judged;
        }
    }

    private Dictionary<Secret, Tls.SecretCertificate> SecretCertificates => field ??= new(ReferenceEqualityComparer.Instance);

    public SnapshotIndex Index { get; } = new(snapshot, cache?.Tables);

    /// <summary>
    /// Whether a Gateway's route attachment and output may be taken from the previous translation. Not while TLSRoutes,
    /// TCPRoutes or UDPRoutes exist: they attach after HTTPRoutes and GRPCRoutes, to the same listener counts.
    /// </summary>
    public bool ReuseGateways { get; } = cache is not null && snapshot.TlsRoutes.Count == 0 && snapshot.TcpRoutes.Count == 0 && snapshot.UdpRoutes.Count == 0;

    /// <summary>Our GatewayClasses that were accepted, by name.</summary>
    public Dictionary<string, GatewayClass> AcceptedClasses { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<ObjectRef, GatewayClassStatus> GatewayClassStatuses { get; } = new(ObjectRef.Comparer);

    /// <summary>Gateways of our accepted classes, in snapshot order (namespace/name).</summary>
    public List<GatewayState> Gateways { get; } = [];

    /// <summary>Set by RouteAttachStep, in object order.</summary>
    public IReadOnlyDictionary<ObjectRef, HttpRouteStatus> HttpRouteStatuses { get; set; } = new SortedDictionary<ObjectRef, HttpRouteStatus>(ObjectRef.Comparer);

    /// <summary>Set by RouteAttachStep, in object order.</summary>
    public IReadOnlyDictionary<ObjectRef, GrpcRouteStatus> GrpcRouteStatuses { get; set; } = new SortedDictionary<ObjectRef, GrpcRouteStatus>(ObjectRef.Comparer);

    /// <summary>HTTPRoutes and GRPCRoutes with their rules translated, waiting for RouteAttachStep.</summary>
    public List<PendingRoute> PendingRoutes { get; } = [];

    public SortedDictionary<ObjectRef, GatewayStatus> GatewayStatuses { get; } = new(ObjectRef.Comparer);

    public SortedDictionary<ObjectRef, L4RouteStatus> TlsRouteStatuses { get; } = new(ObjectRef.Comparer);

    public SortedDictionary<ObjectRef, L4RouteStatus> TcpRouteStatuses { get; } = new(ObjectRef.Comparer);

    public SortedDictionary<ObjectRef, L4RouteStatus> UdpRouteStatuses { get; } = new(ObjectRef.Comparer);

    public SortedDictionary<ObjectRef, PolicyStatus> BackendLbPolicyStatuses { get; } = new(ObjectRef.Comparer);

    public SortedDictionary<ObjectRef, PolicyStatus> XBackendTrafficPolicyStatuses { get; } = new(ObjectRef.Comparer);
    /// <summary>ListenerSets whose parentRef names one of our Gateways, in precedence order (oldest, then namespace/name).</summary>
    public List<ListenerSetState> ListenerSets { get; } = [];

    public SortedDictionary<ObjectRef, ListenerSetStatus> ListenerSetStatuses { get; } = new(ObjectRef.Comparer);
    public SortedDictionary<ObjectRef, PolicyStatus> BackendTlsPolicyStatuses { get; } = new(ObjectRef.Comparer);

    public GatewayConfig Config { get; set; } = GatewayConfig.Empty;

    private readonly Dictionary<(string Type, string Status, string Reason, string Message, long Generation), Condition> _conditions =
        cache?.Conditions ?? [];

    /// <summary>
    /// A condition with a constant message, as one shared object: thousands of listeners and routes report the same
    /// "Listener is accepted" (conditions are immutable records, so sharing is invisible to readers).
    /// </summary>
    public Condition Constant(string type, bool status, string reason, string message, long generation)
    {
        var key = (type, status ? Status.ConditionStatus.True : Status.ConditionStatus.False, reason, message, generation);
        if (!_conditions.TryGetValue(key, out var condition))
        {
            _conditions[key] = condition = status
                ? Status.Conditions.True(type, reason, message, generation)
                : Status.Conditions.False(type, reason, message, generation);
        }

        return condition;
    }

    public GatewayState? FindGateway(string ns, string name)
    {
        // Every route looks its parents up: a dictionary, built once GatewayStep has taken the Gateways in.
        if (_gatewaysByName is null || _gatewaysByNameCount != Gateways.Count)
        {
            _gatewaysByName = [];
            foreach (var g in Gateways)
            {
                _gatewaysByName.TryAdd((g.Gateway.Metadata.Namespace, g.Gateway.Metadata.Name), g);
            }

            _gatewaysByNameCount = Gateways.Count;
        }

        return _gatewaysByName.GetValueOrDefault((ns, name));
    }

    private Dictionary<(string? Ns, string Name), GatewayState>? _gatewaysByName;
    private int _gatewaysByNameCount;

    /// <summary>What <see cref="Routing.ParentListeners.Select"/> decided, per parent, parentRef section and port, route kind and namespace.</summary>
    public Dictionary<(GatewayState Gateway, ListenerSetState? Set, string? Section, int? Port, string Kind, string RouteNs), Routing.ParentSelection> ParentSelections { get; } = [];
}

/// <summary>What the translator has decided about one Gateway.</summary>
internal sealed class GatewayState(Gateway gateway)
{
    public Gateway Gateway { get; } = gateway;

    public long Generation => Gateway.Metadata.Generation;

    /// <summary>"namespace/name"; built once, since every route and listener of the Gateway asks for it.</summary>
    public string Key => field ??= $"{Gateway.Metadata.Namespace}/{Gateway.Metadata.Name}";

    public List<ListenerState> Listeners { get; } = [];

    /// <summary>The Gateway as the parent a route's parentRef names: one object for its thousands of routes.</summary>
    public Routing.RouteParent AsParent => field ??= new(this, null);

    /// <summary>Listeners of the ListenerSets this Gateway allows, in precedence order; they follow the Gateway's own.</summary>
    public List<ListenerState> SetListeners { get; } = [];

    /// <summary>Set when spec.infrastructure.parametersRef names parameters we do not take: the Gateway is not accepted.</summary>
    public string? InvalidParameters { get; set; }

    /// <summary>Set when spec.addresses cannot be served: the Gateway is not accepted.</summary>
    public string? UnsupportedAddress { get; set; }

    /// <summary>The IP literal every listener binds; null when no address could be assigned.</summary>
    public string? BindAddress { get; set; }

    public List<GatewayStatusAddress> StatusAddresses { get; } = [];

    /// <summary>Kubernetes mode: why the provisioned Service has no address yet (Programmed=False, AddressNotAssigned).</summary>
    public string? AddressPending { get; set; }

    /// <summary>Set while spec.tls.frontend allows insecure fallback: the Gateway's InsecureFrontendValidationMode condition.</summary>
    public string? InsecureFrontendValidation { get; set; }

    public bool IsAccepted => InvalidParameters is null && UnsupportedAddress is null && Listeners.Exists(l => l.IsAccepted);

    /// <summary>With a cache: this translation's attachment and output for the Gateway, kept for the next one.</summary>
    public Caching.GatewayAttachment? Attachment { get; set; }

    /// <summary>Set when the previous translation's attachment and output were taken whole (<see cref="Caching.GatewayAttachment"/>).</summary>
    public bool Reused { get; set; }
}

/// <summary>An L4 route attached to a listener, with what orders it among the listener's others.</summary>
internal sealed record L4RouteCandidate(L4RouteConfig Config, DateTimeOffset? RouteCreated);

/// <summary>What the translator has decided about one listener of a Gateway.</summary>
internal sealed class ListenerState(GatewayState gateway, Listener spec, ListenerSetState? set = null)
{
    public GatewayState Gateway { get; } = gateway;

    public Listener Spec { get; } = spec;

    /// <summary>The ListenerSet that contributed this listener; null for the Gateway's own.</summary>
    public ListenerSetState? Set { get; } = set;

    /// <summary>"namespace/gateway/listener", or "namespace/gateway/set-namespace/set/listener" for a ListenerSet's.</summary>
    public string Name => field ??= Set is null ? $"{Gateway.Key}/{Spec.Name}" : $"{Gateway.Key}/{Set.Key}/{Spec.Name}";

    /// <summary>The namespace certificateRefs and allowedRoutes "Same" are relative to: the object that declares the listener.</summary>
    public string OwnerNamespace => Set?.Namespace ?? Gateway.Gateway.Metadata.Namespace ?? "";

    /// <summary>The kind a ReferenceGrant must name to let this listener refer across namespaces.</summary>
    public string OwnerKind => Set is null ? "Gateway" : ListenerSet.KindName;

    /// <summary>The generation the listener's status conditions observe.</summary>
    public long Generation => Set?.Generation ?? Gateway.Generation;

    /// <summary>Null when the protocol (or TLS mode) is not one we serve.</summary>
    public ListenerProtocol? Protocol { get; set; }

    public string? UnsupportedMessage { get; set; }

    /// <summary>Reason of the ResolvedRefs=False condition, with one message line per bad reference.</summary>
    public string? ResolvedRefsReason { get; set; }

    /// <summary>Created on the first error: most listeners have none.</summary>
    public List<string> ResolvedRefsErrors => field ??= [];

    /// <summary>Created for the first certificate: most listeners have one or none.</summary>
    public List<TlsCertificate> Certificates => field ??= new(1);

    /// <summary>The route kinds the listener takes; a listener that does not restrict them shares one list with the others.</summary>
    public IReadOnlyList<RouteGroupKind> SupportedKinds { get; private set; } = [];

    public bool Allows(RouteKind kind) => Allows(kind.Name);

    public bool Allows(string kind)
    {
        // A loop, not Any: a lambda capturing the kind would allocate on every call.
        for (var i = 0; i < SupportedKinds.Count; i++)
        {
            if (SupportedKinds[i].Kind == kind)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every kind of a protocol's default, an array shared by the listeners that take them all.</summary>
    public void SupportAll(IReadOnlyList<RouteGroupKind> kinds) => SupportedKinds = kinds;

    public void Support(RouteGroupKind kind)
    {
        if (SupportedKinds is not List<RouteGroupKind> list)
        {
            SupportedKinds = list = [.. SupportedKinds];
        }

        list.Add(kind);
    }

    /// <summary>Kind and hostnames of every route attached so far: HTTPRoutes and GRPCRoutes must not share a hostname.</summary>
    /// <remarks>Null until the first route attaches.</remarks>
    public List<(RouteKind Kind, string RouteKey, IReadOnlyList<string> Hostnames)>? AttachedHostnames { get; set; }

    /// <summary>TLS listeners only: whether the gateway terminates the TLS or passes it through.</summary>
    public TlsMode? TlsMode { get; set; }

    /// <summary>TLS, TCP and UDP listeners: what TLSRoutes, TCPRoutes and UDPRoutes attached, in snapshot order.</summary>
    public List<L4RouteCandidate> L4Routes => field ??= [];

    /// <summary>The gateway holds the private key: HTTPS, and TLS in mode Terminate.</summary>
    public bool TerminatesTls => Protocol == ListenerProtocol.Https || TlsMode == Ir.TlsMode.Terminate;

    /// <summary>HTTPS only: the client certificate its handshakes ask for (Gateway spec.tls.frontend).</summary>
    public ClientCertificateValidation? ClientValidation { get; set; }

    /// <summary>Set when client validation applies but no CA reference resolved: Accepted=False NoValidCACertificate.</summary>
    public string? NoValidCaCertificate { get; set; }

    public string? ConflictReason { get; set; }

    public string? ConflictMessage { get; set; }

    public int AttachedRoutes { get; set; }

    /// <summary>Created on first use: a reused Gateway's listeners take the previous translation's lists instead.</summary>
    public List<RouteCandidate> Routes { get => field ??= []; private set; }

    /// <summary>Routes may attach: the protocol is served and the listener is distinct.</summary>
    public bool IsAccepted => Protocol is not null && ConflictReason is null && NoValidCaCertificate is null;

    /// <summary>The data plane serves it: accepted, on an accepted Gateway with an address, and with a certificate if HTTPS.</summary>
    public bool IsProgrammed =>
        IsAccepted && (Set is null || Set.IsAccepted) && Gateway.InvalidParameters is null && Gateway.UnsupportedAddress is null && Gateway.BindAddress is not null
        && (!TerminatesTls || Certificates.Count > 0);

    /// <summary>Takes the routes attached to the same listener in the previous translation, which decided the same (see <see cref="Caching.GatewayAttachment"/>).</summary>
    public void TakeAttachments(ListenerState previous)
    {
        AttachedRoutes = previous.AttachedRoutes;
        AttachedHostnames = previous.AttachedHostnames;
        Routes = previous.Routes;
    }

    public void AddRefError(string reason, string message)
    {
        // RefNotPermitted is the more specific reason; it wins over InvalidCertificateRef.
        if (ResolvedRefsReason is null || reason == Status.ListenerReasons.RefNotPermitted)
        {
            ResolvedRefsReason = reason;
        }

        ResolvedRefsErrors.Add(message);
    }
}
