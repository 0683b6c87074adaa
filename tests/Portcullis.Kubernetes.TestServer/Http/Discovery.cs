using System.Text.Json.Nodes;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Http;

/// <summary>
/// The legacy (unaggregated) discovery documents. kubectl asks for apidiscovery.k8s.io/v2 first; a plain
/// <c>application/json</c> APIGroupList answer makes client-go fall back to fetching each group version.
/// </summary>
internal static class Discovery
{
    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0+portcullis-test",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = serverAddress,
        }),
    };

    public static JsonObject GroupList(IReadOnlyList<ResourceType> resources) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. Groups(resources).Select(g => Group(g.Name, g.Versions))]),
    };

    public static JsonObject? GroupDocument(IReadOnlyList<ResourceType> resources, string name)
    {
        var group = Groups(resources).FirstOrDefault(g => g.Name == name);
        if (group.Name is null)
        {
            return null;
        }

        var document = Group(group.Name, group.Versions);
        document["kind"] = "APIGroup";
        document["apiVersion"] = "v1";
        return document;
    }

    /// <summary>The APIResourceList of one group version, or null when nothing is served there.</summary>
    public static JsonObject? ResourceList(IReadOnlyList<ResourceType> resources, string group, string version)
    {
        var served = resources.Where(t => t.Group == group && t.Versions.Contains(version)).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var list = new JsonArray();
        foreach (var type in served)
        {
            var entry = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = Strings(Verbs),
            };
            if (type.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(type.ShortNames);
            }

            if (type.Categories.Count > 0)
            {
                entry["categories"] = Strings(type.Categories);
            }

            list.Add(entry);
            if (type.HasStatus)
            {
                list.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = Strings(["get", "patch", "update"]),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = list,
        };
    }

    private static IEnumerable<(string Name, IReadOnlyList<string> Versions)> Groups(IReadOnlyList<ResourceType> resources) =>
        resources.Where(t => t.Group.Length > 0)
            .GroupBy(t => t.Group, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<string>)[.. g.SelectMany(t => t.Versions).Distinct().Order(KubeVersionComparer.Instance)]));

    private static JsonObject Group(string name, IReadOnlyList<string> versions)
    {
        JsonObject Entry(string v) => new() { ["groupVersion"] = $"{name}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray([.. versions.Select(Entry)]),
            ["preferredVersion"] = Entry(versions[0]),
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);
}
