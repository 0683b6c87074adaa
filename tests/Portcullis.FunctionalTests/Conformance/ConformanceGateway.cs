namespace Portcullis.FunctionalTests.Conformance;

using System.Net;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// One conformance test's manifests applied to the suite's gateway (upstream's `kubectl apply -f tests/X.yaml`),
/// removed again on dispose, which waits until the gateway has forgotten every object in them.
/// </summary>
internal sealed class ConformanceGateway : IAsyncDisposable
{
    public const string ControllerName = "portcullis.dev/gateway-controller";
    private const string GatewayApi = "/apis/gateway.networking.k8s.io/v1";

    private readonly HashSet<string> _files = [];
    private readonly HashSet<string> _objectPaths = [];

    private ConformanceGateway(ConformanceSuite suite) => Suite = suite;

    public ConformanceSuite Suite { get; }

    public int HttpPort => Suite.HttpPort;

    public int HttpsPort => Suite.HttpsPort;

    public GatewayProcess Process => Suite.Process;

    public ConformanceRequests Requests => Suite.Requests;

    /// <summary>Applies the testdata files and waits until the gateway has loaded every object in them.</summary>
    public static async Task<ConformanceGateway> StartAsync(ConformanceSuite suite, params string[] testdataFiles)
    {
        var g = new ConformanceGateway(suite);
        foreach (var f in testdataFiles)
        {
            g.Apply(f, ConformanceSuite.Testdata(f));
        }

        await g.WaitForObjectsAsync(present: true);
        return g;
    }

    /// <summary>Like `kubectl apply -f`: writes or rewrites a manifest file.</summary>
    public void Apply(string fileName, string content)
    {
        _files.Add(fileName);
        foreach (var p in ObjectPaths(content))
        {
            _objectPaths.Add(p);
        }

        Suite.WriteManifest(fileName, content);
    }

    /// <summary>Like `kubectl delete -f`.</summary>
    public void Delete(string fileName)
    {
        Suite.DeleteManifest(fileName);
        _files.Remove(fileName);
    }

    public Task<JsonNode> GatewayAsync(string name, string ns = ConformanceSuite.InfraNamespace) =>
        Process.GetJsonAsync($"{GatewayApi}/namespaces/{ns}/gateways/{name}");

    public Task<JsonNode> HTTPRouteAsync(string name, string ns = ConformanceSuite.InfraNamespace) =>
        Process.GetJsonAsync($"{GatewayApi}/namespaces/{ns}/httproutes/{name}");

    public Task<JsonNode> GatewayClassAsync(string name) =>
        Process.GetJsonAsync($"{GatewayApi}/gatewayclasses/{name}");

    /// <summary>
    /// Polls an object until the check passes (returns null) or fails with the check's last complaint and the
    /// object as last seen, like upstream's wait.PollUntilContextTimeout helpers.
    /// </summary>
    public async Task<JsonNode> EventuallyAsync(Func<Task<JsonNode>> get, Func<JsonNode, string?> check, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        JsonNode? last = null;
        string? complaint = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await get();
                complaint = check(last);
                if (complaint is null)
                {
                    return last;
                }
            }
            catch (HttpRequestException e)
            {
                complaint = e.Message;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"{what}: {complaint}\nlast seen: {last?.ToJsonString()}\ngateway output:\n{Tail(Process.Output)}");
    }

    private static string Tail(string s) => s.Length > 4000 ? "..." + s[^4000..] : s;

    /// <summary>The admin paths of the objects a manifest holds (kind, metadata.name, metadata.namespace of each document).</summary>
    private static IEnumerable<string> ObjectPaths(string yaml)
    {
        foreach (var doc in yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            string? kind = null, name = null, ns = null;
            var inMetadata = false;
            foreach (var line in doc.Split('\n'))
            {
                if (line.StartsWith("kind: ", StringComparison.Ordinal))
                {
                    kind = line[6..].Trim();
                }

                if (!line.StartsWith(' '))
                {
                    inMetadata = line.StartsWith("metadata:", StringComparison.Ordinal);
                }
                else if (inMetadata && line.StartsWith("  name: ", StringComparison.Ordinal))
                {
                    name = line[8..].Trim();
                }
                else if (inMetadata && line.StartsWith("  namespace: ", StringComparison.Ordinal))
                {
                    ns = line[13..].Trim();
                }
            }

            if (kind is null || name is null)
            {
                continue;
            }

            var plural = kind.ToLowerInvariant() + (kind.EndsWith('s') ? "es" : "s");
            var prefix = kind switch
            {
                "Secret" or "Service" or "Namespace" or "ConfigMap" => "/api/v1",
                "EndpointSlice" => "/apis/discovery.k8s.io/v1",
                _ => GatewayApi,
            };
            yield return ns is null ? $"{prefix}/{plural}/{name}" : $"{prefix}/namespaces/{ns}/{plural}/{name}";
        }
    }

    private async Task WaitForObjectsAsync(bool present)
    {
        using var client = new HttpClient { BaseAddress = new Uri(Process.AdminUrl) };
        await GatewayProcess.EventuallyAsync(async () =>
        {
            foreach (var p in _objectPaths)
            {
                using var r = await client.GetAsync(p);
                if ((r.StatusCode == HttpStatusCode.OK) != present)
                {
                    return false;
                }
            }

            return true;
        }, $"objects {(present ? "to be loaded" : "to be gone")}: {string.Join(", ", _objectPaths)}\n{Tail(Process.Output)}");
    }

    /// <summary>Upstream's cleanup: delete the test's manifests and wait until the gateway no longer has them.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var f in _files)
        {
            Suite.DeleteManifest(f);
        }

        await WaitForObjectsAsync(present: false);
    }
}
