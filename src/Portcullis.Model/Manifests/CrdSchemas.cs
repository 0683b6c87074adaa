namespace Portcullis.Model.Manifests;

using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Serialization;
using YamlDotNet.RepresentationModel;

/// <summary>
/// The openAPIV3Schema of each served version of the embedded Gateway API CRDs. A CRD is parsed the first
/// time one of its kinds is read, then kept: the HTTPRoute CRD alone is 400 KB of YAML.
/// </summary>
internal static class CrdSchemas
{
    private static readonly Dictionary<string, string> ResourceByKind = new(StringComparer.Ordinal)
    {
        ["GatewayClass"] = "Crds/standard-gateway.networking.k8s.io_gatewayclasses.yaml",
        ["Gateway"] = "Crds/standard-gateway.networking.k8s.io_gateways.yaml",
        ["HTTPRoute"] = "Crds/experimental-gateway.networking.k8s.io_httproutes.yaml", // experimental: rules' sessionPersistence
        ["GRPCRoute"] = "Crds/experimental-gateway.networking.k8s.io_grpcroutes.yaml", // experimental: rules' sessionPersistence
        ["ReferenceGrant"] = "Crds/standard-gateway.networking.k8s.io_referencegrants.yaml",
        [ListenerSet.KindName] = "Crds/standard-gateway.networking.k8s.io_listenersets.yaml",

        // The experimental channel's CRDs: they also serve v1alpha2 (the workshop's) and v1alpha3.
        [TlsRoute.KindName] = "Crds/experimental-gateway.networking.k8s.io_tlsroutes.yaml",
        [TcpRoute.KindName] = "Crds/experimental-gateway.networking.k8s.io_tcproutes.yaml",
        [UdpRoute.KindName] = "Crds/experimental-gateway.networking.k8s.io_udproutes.yaml",

        // v1.2.1's: BackendLBPolicy left the API after it. XBackendTrafficPolicy is the x-k8s.io group's.
        [BackendLbPolicy.KindName] = "Crds/experimental-gateway.networking.k8s.io_backendlbpolicies.yaml",
        [XBackendTrafficPolicy.KindName] = "Crds/experimental-gateway.networking.x-k8s.io_xbackendtrafficpolicies.yaml",
        [BackendTlsPolicy.KindName] = "Crds/experimental-gateway.networking.k8s.io_backendtlspolicies.yaml",
    };

    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyDictionary<string, StructuralSchema>>> ByKind = new(StringComparer.Ordinal);

    /// <summary>The schema for apiVersion and kind, or null when the kind has no embedded CRD (core kinds).</summary>
    public static StructuralSchema? Find(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        if (!ResourceByKind.TryGetValue(kind, out var resource) || slash < 0
            || apiVersion[..slash] is not (GatewayApiGroup.Name or GatewayApiGroup.ExperimentalName))
        {
            return null;
        }

        var versions = ByKind.GetOrAdd(kind, _ => new(() => Load(resource))).Value;
        return versions.TryGetValue(apiVersion[(slash + 1)..], out var schema) ? schema : null;
    }

    private static Dictionary<string, StructuralSchema> Load(string resource)
    {
        using var stream = typeof(CrdSchemas).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded CRD {resource} is missing");
        using var reader = new StreamReader(stream);
        var yaml = new YamlStream();
        yaml.Load(reader);
        var crd = (JsonObject)Yaml.ToJson(yaml.Documents[0].RootNode)!;

        var result = new Dictionary<string, StructuralSchema>(StringComparer.Ordinal);
        foreach (var version in crd["spec"]!["versions"]!.AsArray().OfType<JsonObject>())
        {
            if ((bool?)version["served"] == true && version["schema"]?["openAPIV3Schema"] is JsonObject schema)
            {
                result[(string)version["name"]!] = StructuralSchema.Parse(schema);
            }
        }

        return result;
    }
}
