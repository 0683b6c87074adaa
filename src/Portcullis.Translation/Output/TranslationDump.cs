namespace Portcullis.Translation.Output;

using System.Text.Json.Nodes;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;

/// <summary>
/// The printable form of a translation result, shared by the golden tests and `portcullis translate`:
/// `status` (gatewayClasses, gateways, httpRoutes keyed "namespace/name") and `config` (the IR).
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
        if (result.Status.GrpcRoutes.Count > 0)
        {
            status["grpcRoutes"] = Keyed(result.Status.GrpcRoutes); // only when present, so dumps without gRPC stay as they were
        }

        return new JsonObject { ["status"] = status, ["config"] = KubeJson.ToNode(result.Config) };
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
