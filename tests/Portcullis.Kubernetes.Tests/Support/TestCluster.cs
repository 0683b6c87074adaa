namespace Portcullis.Kubernetes.Tests.Support;

using System.Text.Json.Nodes;
using k8s;
using Portcullis.Kubernetes.TestServer;
using Portcullis.Translation;

/// <summary>A test API server with the Gateway API CRDs installed, and a KubernetesClient pointed at it through a kubeconfig.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string ControllerName = TranslatorOptions.DefaultControllerName;

    private readonly string _directory;
    private readonly List<IKubernetes> _clients = [];

    private TestCluster(TestApiServer server, string directory)
    {
        Server = server;
        _directory = directory;
    }

    public TestApiServer Server { get; }

    public string Kubeconfig => Path.Combine(_directory, "kubeconfig");

    public static async Task<TestCluster> StartAsync(TestApiServerOptions options) => await StartAsync(true, options);

    public static async Task<TestCluster> StartAsync(bool referenceGrantV1 = true, TestApiServerOptions? options = null)
    {
        var server = await TestApiServer.StartAsync(options ?? new TestApiServerOptions());
        var directory = Directory.CreateTempSubdirectory("portcullis-k8s-").FullName;
        var cluster = new TestCluster(server, directory);
        server.WriteKubeconfig(cluster.Kubeconfig);
        server.Put(Crd("GatewayClass", "gatewayclasses", "Cluster", "v1"));
        server.Put(Crd("Gateway", "gateways", "Namespaced", "v1"));
        server.Put(Crd("HTTPRoute", "httproutes", "Namespaced", "v1"));
        server.Put(Crd("GRPCRoute", "grpcroutes", "Namespaced", "v1"));

        // The workshop's version: clusters with the v1.2 experimental CRDs serve TLSRoute as v1alpha2 only.
        // TCPRoute and UDPRoute are not installed, as on a cluster with the standard channel only.
        server.Put(Crd("TLSRoute", "tlsroutes", "Namespaced", "v1alpha2"));
        server.Put(referenceGrantV1
            ? Crd("ReferenceGrant", "referencegrants", "Namespaced", "v1", "v1beta1")
            : Crd("ReferenceGrant", "referencegrants", "Namespaced", "v1beta1"));
        return cluster;
    }

    /// <summary>A new client, as a separate process would have (disposed with the cluster).</summary>
    public IKubernetes Client()
    {
        var client = KubernetesClientFactory.Create(Kubeconfig);
        _clients.Add(client);
        return client;
    }

    public JsonObject Apply(string json) => Server.Put(JsonNode.Parse(json)!.AsObject());

    public JsonObject? Gateway(string ns, string name) => Server.Get("gateway.networking.k8s.io/v1", "gateways", ns, name);

    public void ApplyClassAndGateway(string gateway = "web")
    {
        ApplyClass();
        ApplyGateway(gateway);
    }

    public void ApplyClass() =>
        Apply($$$"""{"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":{"name":"portcullis"},"spec":{"controllerName":"{{{ControllerName}}}"}}""");

    public void ApplyGateway(string gateway) =>
        Apply($$$"""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"{{{gateway}}}","namespace":"default"},
             "spec":{"gatewayClassName":"portcullis","listeners":[{"name":"http","protocol":"HTTP","port":8080}]}}
            """);

    /// <summary>The condition of that type in a status's conditions, or null.</summary>
    public static JsonObject? Condition(JsonNode? owner, string type) =>
        (owner?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    internal static JsonObject Crd(string kind, string plural, string scope, params string[] versions)
    {
        var versionList = new JsonArray();
        for (var i = 0; i < versions.Length; i++)
        {
            versionList.Add(new JsonObject
            {
                ["name"] = versions[i],
                ["served"] = true,
                ["storage"] = i == 0,
                ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                ["schema"] = new JsonObject
                {
                    ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                },
            });
        }

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = plural + ".gateway.networking.k8s.io" },
            ["spec"] = new JsonObject
            {
                ["group"] = "gateway.networking.k8s.io",
                ["scope"] = scope,
                ["names"] = new JsonObject
                {
                    ["kind"] = kind,
                    ["listKind"] = kind + "List",
                    ["plural"] = plural,
                    ["singular"] = kind.ToLowerInvariant(),
                },
                ["versions"] = versionList,
            },
        };
    }
}
