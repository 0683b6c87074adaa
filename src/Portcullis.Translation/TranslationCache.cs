namespace Portcullis.Translation;

using Portcullis.Ir;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Caching;
using Portcullis.Translation.Tls;

/// <summary>
/// What a translation may reuse from the one before it, for a caller that translates snapshot after snapshot (a
/// control loop): results computed from objects that are the same, by reference, in both snapshots. Providers pass
/// unchanged objects on by reference, so after a change only what the changed objects touch is computed again.
/// Translating with or without a cache gives equal results: an entry is reused only when every object it read is
/// the same object as when it was computed. It holds what the last translation used, nothing older.
/// Not thread-safe: one translation at a time.
/// </summary>
public sealed class TranslationCache
{
    private Inputs? _inputs;

    /// <summary>Certificate checks by content, for a Secret that is a new object with the content of an old one.</summary>
    internal CertificateCheckCache CertificateChecks { get; } = new();

    /// <summary>Each TLS Secret's check and IR certificate (its PEM copied once, not once per translation).</summary>
    internal ReuseTable<Secret, SecretCertificate> Certificates { get; } = new();

    /// <summary>The snapshot index's lookups, brought up to date for each snapshot rather than built again.</summary>
    internal SnapshotTables Tables { get; } = new();

    /// <summary>Each HTTPRoute's and GRPCRoute's translated rules, with the objects they read.</summary>
    internal ReuseTable<KubernetesObject, CompiledRoute> Routes { get; } = new();

    /// <summary>Each Gateway's route attachment, status and IR listeners, with what they were computed from.</summary>
    internal ReuseTable<Model.GatewayApi.Gateway, GatewayAttachment> Gateways { get; } = new();

    /// <summary>Each HTTPRoute's and GRPCRoute's status (by the route as an HTTPRoute), with what it was built from.</summary>
    internal ReuseTable<HttpRoute, RouteStatusEntry> RouteStatuses { get; } = new();

    /// <summary>How many Gateways' attachment and output the last translation could reuse; for tests and diagnostics.</summary>
    public int ReusedGateways { get; internal set; }

    /// <summary>Conditions whose message is a constant, shared between objects and translations.</summary>
    internal Dictionary<(string Type, string Status, string Reason, string Message, long Generation), Condition> Conditions { get; } = [];

    /// <summary>The previous translation's listeners: an equal listener is passed on as the same object.</summary>
    internal ListenerHistory Listeners { get; } = new();

    /// <summary>How many route entries the last translation could reuse; for tests and diagnostics.</summary>
    public int ReusedRoutes { get; internal set; }

    /// <summary>How many TLS Secrets' certificates the last translation could reuse; for tests and diagnostics.</summary>
    public int ReusedCertificates { get; internal set; }

    internal void Begin(ResourceSnapshot snapshot, TranslatorOptions options)
    {
        ReusedRoutes = 0;
        ReusedCertificates = 0;
        ReusedGateways = 0;
        Certificates.Begin();
        Routes.Begin();
        Gateways.Begin();
        RouteStatuses.Begin();

        // Route rules read Services and EndpointSlices, which each entry records and checks; what they read besides
        // (ReferenceGrants, policies, CA bundles, the options) is checked here, all at once: such objects change rarely.
        var inputs = new Inputs(snapshot, options);
        if (_inputs is null || !_inputs.SameAs(inputs))
        {
            Routes.Clear();
        }

        // Attachment reads namespace labels (allowedRoutes selectors) and status the options (controllerName, pool): rare changes, checked at once.
        if (_inputs is null || !_inputs.SameNamespacesAndOptions(inputs))
        {
            Gateways.Clear();
            RouteStatuses.Clear();
        }

        _inputs = inputs;
        if (Conditions.Count > 100_000)
        {
            Conditions.Clear(); // generations only grow: start over rather than keep every one ever seen
        }
    }

    internal void End(GatewayConfig config)
    {
        Certificates.End();
        Routes.End();
        Gateways.End();
        RouteStatuses.End();
        Listeners.Remember(config);
    }

    /// <summary>Everything route rules may read besides the Services and EndpointSlices their entries record.</summary>
    private sealed class Inputs(ResourceSnapshot snapshot, TranslatorOptions options)
    {
        private readonly TranslatorOptions _options = options;
        private readonly IReadOnlyList<ReferenceGrant> _grants = snapshot.ReferenceGrants;
        private readonly IReadOnlyList<BackendTlsPolicy> _backendTls = snapshot.BackendTlsPolicies;
        private readonly IReadOnlyList<BackendLbPolicy> _lbPolicies = snapshot.BackendLbPolicies;
        private readonly IReadOnlyList<XBackendTrafficPolicy> _trafficPolicies = snapshot.XBackendTrafficPolicies;
        private readonly IReadOnlyList<Service> _services = snapshot.Services;
        private readonly IReadOnlyList<ConfigMap> _configMaps = snapshot.ConfigMaps;
        private readonly IReadOnlyList<Secret> _secrets = snapshot.Secrets;
        private readonly IReadOnlyList<Namespace> _namespaces = snapshot.Namespaces;

        // By name and labels, what attachment reads of them: a file provider makes implicit Namespaces afresh on every read.
        public bool SameNamespacesAndOptions(Inputs other) => _options.Equals(other._options) && Sequences.Same(_namespaces, other._namespaces, SameLabels);

        private static bool SameLabels(Namespace a, Namespace b)
        {
            if (ReferenceEquals(a, b))
            {
                return true;
            }

            var (x, y) = (a.Metadata.Labels ?? EmptyLabels, b.Metadata.Labels ?? EmptyLabels);
            return a.Metadata.Name == b.Metadata.Name && x.Count == y.Count
                && x.All(kv => y.TryGetValue(kv.Key, out var v) && v == kv.Value);
        }

        private static readonly Dictionary<string, string> EmptyLabels = [];

        public bool SameAs(Inputs other)
        {
            if (!_options.Equals(other._options) || !Sequences.SameReferences(_grants, other._grants) || !Sequences.SameReferences(_backendTls, other._backendTls)
                || !Sequences.SameReferences(_lbPolicies, other._lbPolicies) || !Sequences.SameReferences(_trafficPolicies, other._trafficPolicies))
            {
                return false;
            }

            // Session policies are decided against the Services they target; BackendTLSPolicies read CA bundles from
            // ConfigMaps and Secrets. Without such policies, neither matters here.
            if ((_lbPolicies.Count > 0 || _trafficPolicies.Count > 0) && !Sequences.SameReferences(_services, other._services))
            {
                return false;
            }

            return _backendTls.Count == 0 || (Sequences.SameReferences(_configMaps, other._configMaps) && Sequences.SameReferences(_secrets, other._secrets) && Sequences.SameReferences(_services, other._services));
        }
    }
}
