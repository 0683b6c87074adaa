namespace Portcullis.Translation.Backends;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Status;

/// <summary>A backend for the IR, and why it is invalid when it is.</summary>
internal sealed record ResolvedBackend(WeightedBackend Backend, string? ErrorReason = null, string? ErrorMessage = null);

/// <summary>
/// Resolves a route's backendRef (HTTPRoute, GRPCRoute, or an L4 route) to a Service port and its ready endpoints. An unresolvable ref
/// stays in the rule, marked Invalid, so its share of the traffic is answered 500 as the spec requires.
/// </summary>
internal static class BackendResolver
{
    public const string H2cAppProtocol = "kubernetes.io/h2c";

    /// <summary>appProtocol values that mean TLS to the backend.</summary>
    private static readonly HashSet<string> TlsAppProtocols = new(StringComparer.OrdinalIgnoreCase) { "https", "kubernetes.io/wss", "tls" };

    public static ResolvedBackend Resolve(SnapshotIndex index, HttpRoute route, HttpBackendRef r, RouteKind routeKind) =>
        Resolve(index, routeKind.Name, route.Metadata.Namespace ?? "",
            new BackendRef { Group = r.Group, Kind = r.Kind, Name = r.Name, Namespace = r.Namespace, Port = r.Port, Weight = r.Weight },
            routeKind.DefaultProtocol);

    /// <summary>
    /// A TLSRoute, TCPRoute or UDPRoute backendRef: the same rules, except that the bytes go to the
    /// backend as they came, so its appProtocol does not matter.
    /// </summary>
    public static ResolvedBackend ResolveStream(SnapshotIndex index, string routeKind, string routeNs, BackendRef r) =>
        Resolve(index, routeKind, routeNs, r, httpDefault: null);

    /// <param name="httpDefault">How to speak HTTP to the backend when its appProtocol says nothing; null for a byte stream.</param>
    private static ResolvedBackend Resolve(SnapshotIndex index, string routeKind, string routeNs, BackendRef r, BackendProtocol? httpDefault)
    {
        var ns = r.Namespace ?? routeNs;
        var weight = r.Weight ?? 1;
        var name = r.Port is { } p ? $"{ns}/{r.Name}:{p.ToString(CultureInfo.InvariantCulture)}" : $"{ns}/{r.Name}";
        ResolvedBackend Invalid(string reason, string message) =>
            new(new WeightedBackend(name, weight, BackendProtocol.Http1, EquatableArray<Endpoint>.Empty, Invalid: true), reason, message);

        var group = r.Group ?? "";
        var kind = r.Kind ?? "Service";
        if (group.Length != 0 || kind != "Service")
        {
            return Invalid(RouteReasons.InvalidKind, $"backendRef {name}: kind {(group.Length == 0 ? kind : group + "/" + kind)} is not supported; only Service is");
        }

        if (!index.ReferencePermitted(GatewayApiGroup.Name, routeKind, routeNs, "", "Service", ns, r.Name))
        {
            return Invalid(RouteReasons.RefNotPermitted,
                $"backendRef {name}: no ReferenceGrant in namespace {ns} allows {routeKind}s from namespace {routeNs} to refer to it");
        }

        if (r.Port is not { } port)
        {
            return Invalid(RouteReasons.UnsupportedValue, $"backendRef {name}: port is required for a Service");
        }

        var service = index.Service(ns, r.Name);
        if (service is null)
        {
            return Invalid(RouteReasons.BackendNotFound, $"backendRef {name}: Service {ns}/{r.Name} does not exist");
        }

        var servicePort = service.Spec.Ports.FirstOrDefault(sp => sp.Port == port);
        if (servicePort is null)
        {
            return Invalid(RouteReasons.BackendNotFound, $"backendRef {name}: Service {ns}/{r.Name} has no port {port}");
        }

        // Thousands of routes commonly share a few Services: resolve each Service port once per translation.
        var (endpoints, appProtocol) = index.ServiceEndpoints(ns, r.Name, servicePort, () =>
        {
            var slices = index.EndpointSlices(ns, r.Name);
            return slices.Count > 0 ? FromSlices(slices, servicePort) : (FromService(service, servicePort), null);
        });
        if (httpDefault is not { } defaultProtocol)
        {
            // A TLSRoute's backend under a BackendTLSPolicy: re-encrypted where a Terminate listener ends the client's
            // TLS (the data plane ignores it behind Passthrough, where the client's own TLS goes through).
            return routeKind == TlsRoute.KindName && BackendTlsFor(index, ns, r.Name, servicePort, name, weight, BackendProtocol.Http1, endpoints) is { } reencrypted
                ? reencrypted
                : new(new WeightedBackend(name, weight, BackendProtocol.Http1, endpoints));
        }

        var declared = servicePort.AppProtocol ?? appProtocol;
        if (BackendTlsFor(index, ns, r.Name, servicePort, name, weight, defaultProtocol, endpoints) is { } withTls)
        {
            return withTls;
        }

        if (declared is not null && TlsAppProtocols.Contains(declared))
        {
            return Invalid(RouteReasons.UnsupportedProtocol,
                $"backendRef {name}: appProtocol {declared} needs TLS to the backend; attach a BackendTLSPolicy to Service {ns}/{r.Name}");
        }

        // kubernetes.io/ws is plain HTTP/1.1 with an Upgrade, which the HTTP/1.1 path forwards as it is.
        var protocol = declared == H2cAppProtocol ? BackendProtocol.H2c : defaultProtocol;
        return new(new WeightedBackend(name, weight, protocol, endpoints));
    }

    /// <summary>
    /// The backend re-encrypted per the BackendTLSPolicy on its Service port, or null when none applies. HTTP/1.1
    /// unless the route speaks h2 (GRPCRoute), which TLS then negotiates by ALPN. A policy whose CA references are
    /// unusable leaves the backend invalid (5xx) without blaming the route: the policy's status says why.
    /// </summary>
    private static ResolvedBackend? BackendTlsFor(SnapshotIndex index, string ns, string service, ServicePort port, string name, int weight,
        BackendProtocol defaultProtocol, EquatableArray<Endpoint> endpoints)
    {
        if (index.BackendTls.For(ns, service, port.Name) is not { } verdict)
        {
            return null;
        }

        return verdict.Tls is null
            ? new(new WeightedBackend(name, weight, defaultProtocol, EquatableArray<Endpoint>.Empty, Invalid: true))
            : new(new WeightedBackend(name, weight, defaultProtocol, endpoints) { Tls = verdict.Tls });
    }

    private static (EquatableArray<Endpoint>, string?) FromSlices(IReadOnlyList<EndpointSlice> slices, ServicePort servicePort)
    {
        var endpoints = new HashSet<(string Address, int Port)>();
        string? appProtocol = null;
        foreach (var slice in slices)
        {
            // The slice port carrying the Service port has the same name; an unnamed Service port maps to the single unnamed slice port.
            var slicePort = slice.Ports.FirstOrDefault(p => string.Equals(p.Name ?? "", servicePort.Name ?? "", StringComparison.Ordinal));
            if (slicePort?.Port is not { } portNumber)
            {
                continue;
            }

            appProtocol ??= slicePort.AppProtocol;
            foreach (var e in slice.Endpoints)
            {
                if (e.Conditions?.Ready == false)
                {
                    continue;
                }

                foreach (var address in e.Addresses)
                {
                    endpoints.Add((address, portNumber));
                }
            }
        }

        var sorted = endpoints.OrderBy(e => e.Address, StringComparer.Ordinal).ThenBy(e => e.Port);
        return (sorted.Select(e => new Endpoint(e.Address, e.Port)).ToEquatableArray(), appProtocol);
    }

    /// <summary>
    /// Standalone convenience: a Service with no EndpointSlice at all is reached at its clusterIP on
    /// its numeric targetPort (or its port when targetPort is unset), so a manifest directory can point
    /// a route at a local process without writing EndpointSlices. A named targetPort cannot be resolved
    /// without endpoints and yields none (503).
    /// </summary>
    private static EquatableArray<Endpoint> FromService(Service service, ServicePort servicePort)
    {
        var ip = service.Spec.ClusterIP;
        if (string.IsNullOrEmpty(ip) || ip == "None")
        {
            return EquatableArray<Endpoint>.Empty;
        }

        var target = servicePort.TargetPort is { } t ? t.IntValue : servicePort.Port;
        return target is { } port ? new[] { new Endpoint(ip, port) } : EquatableArray<Endpoint>.Empty;
    }
}
