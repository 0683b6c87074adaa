using k8s;
using k8s.Models;

namespace Portcullis.Kubernetes.TestServer.Tests;

/// <summary>A fresh server per test and a KubernetesClient built from the kubeconfig the server writes.</summary>
public abstract class ClientTestBase : IAsyncLifetime
{
    protected const string GatewayGroup = "gateway.networking.k8s.io";

    private readonly string _kubeconfig = Path.Combine(Path.GetTempPath(), $"portcullis-kubeconfig-{Guid.NewGuid():N}");

    protected TestApiServer Server { get; private set; } = null!;

    protected IKubernetes Client { get; private set; } = null!;

    protected virtual TestApiServerOptions Options => new();

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(Options);
        Client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.WriteKubeconfig(_kubeconfig)));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    /// <summary>Creates the upstream Gateway API CRDs for the given plurals through the client, as an installer would.</summary>
    protected async Task CreateGatewayApiCrdsAsync(params string[] plurals)
    {
        foreach (var plural in plurals)
        {
            var crd = await KubernetesYaml.LoadFromFileAsync<V1CustomResourceDefinition>(
                $"/work/shared/gateway-api/crds-v1.6.1/standard-gateway.networking.k8s.io_{plural}.yaml");
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }
    }

    protected static Dictionary<string, object> Gateway(string name, int port = 80) => new()
    {
        ["apiVersion"] = "gateway.networking.k8s.io/v1",
        ["kind"] = "Gateway",
        ["metadata"] = new Dictionary<string, object> { ["name"] = name },
        ["spec"] = new Dictionary<string, object>
        {
            ["gatewayClassName"] = "portcullis",
            ["listeners"] = new[] { new Dictionary<string, object> { ["name"] = "http", ["protocol"] = "HTTP", ["port"] = port } },
        },
    };

    protected static V1Secret Secret(string name, string type = "Opaque", IDictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Type = type,
        StringData = new Dictionary<string, string> { ["key"] = "value" },
    };
}
