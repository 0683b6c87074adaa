namespace Portcullis.Cli.Output;

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Cli.Status;

/// <summary>The table `portcullis get` prints for each resource, with the columns kubectl shows (CRD printer columns for the Gateway API).</summary>
internal static class ResourceTable
{
    private sealed record Column(string Header, Func<JsonObject, DateTimeOffset, string> Value, bool WideOnly = false);

    public static string Format(ResourceType type, IReadOnlyList<JsonObject> items, bool wide, bool withNamespace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(items);
        var columns = ColumnsFor(type).Where(c => wide || !c.WideOnly).ToList();
        if (withNamespace && type.Namespaced)
        {
            columns.Insert(0, new Column("NAMESPACE", (o, _) => Str(o, "metadata", "namespace")));
        }

        var rows = items.Select(o => (IReadOnlyList<string>)columns.Select(c => c.Value(o, now)).ToList()).ToList();
        return TableWriter.Format(columns.Select(c => c.Header).ToList(), rows);
    }

    private static IEnumerable<Column> ColumnsFor(ResourceType type)
    {
        yield return new Column("NAME", (o, _) => Str(o, "metadata", "name"));
        switch (type.Plural)
        {
            case "gatewayclasses":
                yield return new Column("CONTROLLER", (o, _) => Str(o, "spec", "controllerName"));
                yield return new Column("ACCEPTED", (o, _) => ConditionStatus(o["status"]?["conditions"], "Accepted"));
                yield return Age;
                yield return new Column("DESCRIPTION", (o, _) => Str(o, "spec", "description"), WideOnly: true);
                break;
            case "gateways":
                yield return new Column("CLASS", (o, _) => Str(o, "spec", "gatewayClassName"));
                yield return new Column("ADDRESS", (o, _) => Text(o["status"]?["addresses"]?.AsArray().FirstOrDefault()?["value"]));
                yield return new Column("PROGRAMMED", (o, _) => ConditionStatus(o["status"]?["conditions"], "Programmed"));
                yield return Age;
                yield return new Column("LISTENERS", (o, _) => Join(o["spec"]?["listeners"], l => $"{Text(l?["name"])}:{Text(l?["port"])}"), WideOnly: true);
                break;
            case "listenersets":
                // The CRD's printer columns: Accepted, Programmed, Age.
                yield return new Column("ACCEPTED", (o, _) => ConditionStatus(o["status"]?["conditions"], "Accepted"));
                yield return new Column("PROGRAMMED", (o, _) => ConditionStatus(o["status"]?["conditions"], "Programmed"));
                yield return Age;
                yield return new Column("PARENT", (o, _) => Str(o, "spec", "parentRef", "name"), WideOnly: true);
                yield return new Column("LISTENERS", (o, _) => Join(o["spec"]?["listeners"], l => $"{Text(l?["name"])}:{Text(l?["port"])}"), WideOnly: true);
                break;
            case "tcproutes" or "udproutes":
                yield return Age;
                break;
            case "httproutes" or "grpcroutes" or "tlsroutes":
                // The CRD column prints .spec.hostnames as JSON, e.g. ["www.example.com"].
                yield return new Column("HOSTNAMES", (o, _) => o["spec"]?["hostnames"] is JsonArray { Count: > 0 } h ? JsonPathTemplate.Format(h) : "");
                yield return Age;
                yield return new Column("PARENTS", (o, _) => Join(o["spec"]?["parentRefs"], ParentName), WideOnly: true);
                yield return new Column("ACCEPTED", (o, _) => Join(o["status"]?["parents"], p => ConditionStatus(p?["conditions"], "Accepted")), WideOnly: true);
                break;
            case "secrets":
                yield return new Column("TYPE", (o, _) => Str(o, "type") is { Length: > 0 } t ? t : "Opaque");
                yield return new Column("DATA", (o, _) => (Count(o["data"]) + Count(o["stringData"])).ToString(CultureInfo.InvariantCulture));
                yield return Age;
                break;
            case "configmaps":
                yield return new Column("DATA", (o, _) => (Count(o["data"]) + Count(o["binaryData"])).ToString(CultureInfo.InvariantCulture));
                yield return Age;
                break;
            case "services":
                yield return new Column("TYPE", (o, _) => Str(o, "spec", "type") is { Length: > 0 } t ? t : "ClusterIP");
                yield return new Column("CLUSTER-IP", (o, _) => OrNone(Str(o, "spec", "clusterIP")));
                yield return new Column("EXTERNAL-IP", (_, _) => "<none>");
                yield return new Column("PORT(S)", (o, _) => OrNone(Join(o["spec"]?["ports"], p => $"{Text(p?["port"])}/{(Text(p?["protocol"]) is { Length: > 0 } proto ? proto : "TCP")}")));
                yield return Age;
                yield return new Column("SELECTOR", (o, _) => OrNone(o["spec"]?["selector"] is JsonObject sel ? string.Join(",", sel.Select(kv => $"{kv.Key}={Text(kv.Value)}")) : ""), WideOnly: true);
                break;
            case "endpointslices":
                yield return new Column("ADDRESSTYPE", (o, _) => Str(o, "addressType"));
                yield return new Column("PORTS", (o, _) => OrUnset(Join(o["ports"], p => Text(p?["port"]))));
                yield return new Column("ENDPOINTS", (o, _) => Endpoints(o));
                yield return Age;
                break;
            case "namespaces":
                yield return new Column("STATUS", (_, _) => "Active");
                yield return Age;
                break;
            default:
                yield return Age;
                break;
        }
    }

    private static Column Age { get; } = new("AGE", (o, now) =>
        DateTimeOffset.TryParse(Str(o, "metadata", "creationTimestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            ? HumanAge.Format(now - created)
            : "<unknown>");

    private static string ParentName(JsonNode? parent)
    {
        var ns = Text(parent?["namespace"]);
        var name = Text(parent?["name"]);
        var section = Text(parent?["sectionName"]);
        var full = ns.Length > 0 ? $"{ns}/{name}" : name;
        return section.Length > 0 ? $"{full}:{section}" : full;
    }

    private static string Endpoints(JsonObject o)
    {
        var addresses = (o["endpoints"] as JsonArray ?? [])
            .SelectMany(e => e?["addresses"] as JsonArray ?? [])
            .Select(Text)
            .ToList();
        if (addresses.Count == 0)
        {
            return "<none>";
        }

        // kubectl shows three and counts the rest.
        var shown = string.Join(",", addresses.Take(3));
        return addresses.Count > 3 ? $"{shown} + {addresses.Count - 3} more..." : shown;
    }

    private static string ConditionStatus(JsonNode? conditions, string type) =>
        conditions is JsonArray arr
            ? arr.Where(c => Text(c?["type"]) == type).Select(c => Text(c?["status"])).FirstOrDefault() ?? ""
            : "";

    private static string Join(JsonNode? array, Func<JsonNode?, string> select) =>
        array is JsonArray arr ? string.Join(",", arr.Select(select)) : "";

    private static int Count(JsonNode? node) => node is JsonObject obj ? obj.Count : 0;

    private static string OrNone(string s) => s.Length == 0 ? "<none>" : s;

    private static string OrUnset(string s) => s.Length == 0 ? "<unset>" : s;

    private static string Str(JsonObject o, params string[] path)
    {
        JsonNode? node = o;
        foreach (var p in path)
        {
            node = node is JsonObject obj ? obj[p] : null;
        }

        return Text(node);
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}
