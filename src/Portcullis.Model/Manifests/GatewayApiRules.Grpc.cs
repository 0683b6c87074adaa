namespace Portcullis.Model.Manifests;

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

/// <summary>The GRPCRoute CRD's CEL rules; filter, backendRef and parentRef rules are the HTTPRoute ones.</summary>
internal static partial class GatewayApiRules
{
    private static void ValidateGrpcRoute(JsonObject spec, List<(string Path, string Message)> errors) =>
        ValidateRouteRules(spec, errors, (rule, path) =>
        {
            var matches = Items(rule["matches"]);
            for (var m = 0; m < matches.Count; m++)
            {
                if (matches[m]["method"] is JsonObject method)
                {
                    ValidateGrpcMethodMatch(method, $"{path}.matches[{m}].method", errors);
                }
            }
        });

    private static void ValidateGrpcMethodMatch(JsonObject method, string path, List<(string Path, string Message)> errors)
    {
        var type = Str(method["type"]);
        var service = Str(method["service"]);
        var name = Str(method["method"]);
        if (method["type"] is not null && service is null && name is null)
        {
            errors.Add((path, "Invalid value: \"object\": One or both of 'service' or 'method' must be specified"));
        }

        if (type is not (null or "Exact"))
        {
            return;
        }

        if (service is not null && !GrpcService().IsMatch(service))
        {
            errors.Add((path, "Invalid value: \"object\": service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)"));
        }

        if (name is not null && !GrpcMethod().IsMatch(name))
        {
            errors.Add((path, "Invalid value: \"object\": method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)"));
        }
    }

    [GeneratedRegex(@"^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex GrpcService();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z_0-9]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex GrpcMethod();
}
