namespace Portcullis.Translation.Output;

using System.Text.Json.Nodes;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;

/// <summary>
/// The printable form of a translation result, shared by the golden tests and `portcullis translate`:
/// `status` (gatewayClasses, gateways, httpRoutes, and grpcRoutes/tlsRoutes/tcpRoutes/udpRoutes/listenerSets/backendLBPolicies/xBackendTrafficPolicies when present, keyed "namespace/name") and `config` (the IR).
/// Key material is redacted by PrivateBytes.
/// </summary>
public static class TranslationDump
{
    public static JsonObject ToJson(TranslationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var status = new JsonObject
        {
            ["gatewayClasses"] = Keyed(result.Status.GatewayClasses),
            ["gateways"] = Keyed(result.Status.Gateways),
            ["httpRoutes"] = Keyed(result.Status.HttpRoutes),
        };

        // The other route kinds appear only when there are some, so dumps of HTTP-only inputs stay as they were.
        AddIfAny(status, "grpcRoutes", result.Status.GrpcRoutes);
        AddIfAny(status, "tlsRoutes", result.Status.TlsRoutes);
        AddIfAny(status, "tcpRoutes", result.Status.TcpRoutes);
        AddIfAny(status, "udpRoutes", result.Status.UdpRoutes);
        AddIfAny(status, "backendLBPolicies", result.Status.BackendLbPolicies);
        AddIfAny(status, "xBackendTrafficPolicies", result.Status.XBackendTrafficPolicies);
        AddIfAny(status, "listenerSets", result.Status.ListenerSets);
        AddIfAny(status, "backendTlsPolicies", result.Status.BackendTlsPolicies);
        return new JsonObject { ["status"] = status, ["config"] = KubeJson.ToNode(result.Config) };
    }

    private static void AddIfAny<T>(JsonObject status, string name, IReadOnlyDictionary<ObjectRef, T> statuses)
    {
        if (statuses.Count > 0)
        {
            status[name] = Keyed(statuses);
        }
    }

    public static string ToYaml(TranslationResult result) => Yaml.FromJson(ToJson(result));

    private static JsonObject Keyed<T>(IReadOnlyDictionary<ObjectRef, T> statuses)
    {
        var obj = new JsonObject();
        foreach (var (key, status) in statuses.OrderBy(kv => kv.Key, ObjectRef.Comparer))
        {
            obj[key.Namespace is null ? key.Name : $"{key.Namespace}/{key.Name}"] = KubeJson.ToNode(status);
        }

        return obj;
    }
}
