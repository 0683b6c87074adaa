namespace Portcullis.Translation;

using Portcullis.Ir;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Sessions;

/// <summary>Lookups over one snapshot, built once per translation (with a cache, brought up to date from the previous snapshot's).</summary>
internal sealed class SnapshotIndex
{
    private readonly Caching.SnapshotTables _tables;
    private readonly IReadOnlyList<ReferenceGrant> _grants;
    private readonly Dictionary<(string Ns, string Service, ServicePort Port), (EquatableArray<Endpoint>, string?)> _endpoints = [];

    /// <param name="tables">The previous translation's tables to bring up to date (a cache's); null indexes afresh.</param>
    public SnapshotIndex(ResourceSnapshot snapshot, Caching.SnapshotTables? tables = null)
    {
        _tables = tables ?? new();
        _tables.Update(snapshot);
        _grants = snapshot.ReferenceGrants;
        _sessionPolicies = new(() => new SessionPolicyTable(snapshot, this));
        BackendTls = new Backends.BackendTlsPolicies(snapshot, this);
    }

    private readonly Lazy<SessionPolicyTable> _sessionPolicies;

    /// <summary>BackendLBPolicies and XBackendTrafficPolicies by the Service they give session persistence.</summary>
    public SessionPolicyTable SessionPolicies => _sessionPolicies.Value;

    /// <summary>BackendTLSPolicies with conflicts settled and CA bundles read, by target Service port.</summary>
    public Backends.BackendTlsPolicies BackendTls { get; }

    /// <summary>
    /// While set, Service and EndpointSlice lookups are written down, so a result computed from them can be reused in a later
    /// translation whose snapshot gives the same objects (see <see cref="TranslationCache"/>).
    /// </summary>
    public Caching.SnapshotReads? Reads { get; set; }

    public Secret? Secret(string ns, string name) => _tables.Secrets.Get(ns, name);

    public ConfigMap? ConfigMap(string ns, string name) => _tables.ConfigMaps.Get(ns, name);

    public Service? Service(string ns, string name)
    {
        var service = _tables.Services.Get(ns, name);
        Reads?.Service(ns, name, service);
        return service;
    }

    /// <summary>The EndpointSlices of a Service (by the kubernetes.io/service-name label), in snapshot order.</summary>
    public IReadOnlyList<EndpointSlice> EndpointSlices(string ns, string service)
    {
        IReadOnlyList<EndpointSlice> slices = _tables.Slices.TryGetValue((ns, service), out var list) ? list : [];
        Reads?.Slices(ns, service, slices);
        return slices;
    }

    /// <summary>A Service port's endpoints and appProtocol, computed by <paramref name="resolve"/> on the first call for that port.</summary>
    public (EquatableArray<Endpoint> Endpoints, string? AppProtocol) ServiceEndpoints(string ns, string service, ServicePort port,
        Func<(EquatableArray<Endpoint>, string?)> resolve)
    {
        var key = (ns, service, port);
        if (Reads is not null)
        {
            // Computed once per translation, but every caller depends on the slices: each records them.
            EndpointSlices(ns, service);
        }

        if (!_endpoints.TryGetValue(key, out var result))
        {
            _endpoints[key] = result = resolve();
        }

        return result;
    }

    /// <summary>
    /// A namespace's labels. The API server always sets kubernetes.io/metadata.name, so a namespace
    /// without a Namespace object (or with one lacking the label) has at least that label.
    /// </summary>
    public IReadOnlyDictionary<string, string> NamespaceLabels(string ns)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_tables.Namespaces.Get("", ns) is { Metadata.Labels: { } l })
        {
            foreach (var (k, v) in l)
            {
                labels[k] = v;
            }
        }

        labels[Namespace.NameLabel] = ns;
        return labels;
    }

    /// <summary>
    /// Whether a ReferenceGrant in the target namespace lets objects of fromKind in fromNamespace refer
    /// to the named target. References within one namespace need no grant.
    /// </summary>
    public bool ReferencePermitted(string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toNamespace, string toName)
    {
        // The grant search is a separate method: its lambdas capture the parameters, and a method with such lambdas
        // allocates their closure on entry, also for the same-namespace references that never search.
        return string.Equals(fromNamespace, toNamespace, StringComparison.Ordinal)
            || Granted(fromGroup, fromKind, fromNamespace, toGroup, toKind, toNamespace, toName);
    }

    private bool Granted(string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toNamespace, string toName)
    {
        foreach (var grant in _grants)
        {
            if (!string.Equals(grant.Metadata.Namespace, toNamespace, StringComparison.Ordinal))
            {
                continue;
            }

            var fromOk = grant.Spec.From.Any(f =>
                f.Group == fromGroup && f.Kind == fromKind && f.Namespace == fromNamespace);
            var toOk = grant.Spec.To.Any(t =>
                t.Group == toGroup && t.Kind == toKind && (string.IsNullOrEmpty(t.Name) || t.Name == toName));
            if (fromOk && toOk)
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsGatewayApiGroup(string? group) => group is null || group == GatewayApiGroup.Name;
}
