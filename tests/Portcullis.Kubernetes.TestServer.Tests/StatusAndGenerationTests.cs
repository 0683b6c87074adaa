using System.Text.Json;
using k8s;
using k8s.Models;

namespace Portcullis.Kubernetes.TestServer.Tests;

public sealed class StatusAndGenerationTests : ClientTestBase
{
    [Fact]
    public async Task PatchStatus_ChangesOnlyStatus_AndKeepsGeneration()
    {
        await CreateGatewayApiCrdsAsync("gateways");
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(Gateway("g"), GatewayGroup, "v1", "default", "gateways");
        var patch = """{"spec":{"gatewayClassName":"sneaky"},"status":{"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2026-01-01T00:00:00Z","observedGeneration":1}]}}""";

        var patched = (JsonElement)await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), GatewayGroup, "v1", "default", "gateways", "g");

        Assert.Equal("portcullis", patched.GetProperty("spec").GetProperty("gatewayClassName").GetString());
        Assert.Equal("Accepted", patched.GetProperty("status").GetProperty("conditions")[0].GetProperty("type").GetString());
        Assert.Equal(1, patched.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Contains(Server.Requests, r => r.Method == "PATCH" && r.PathAndQuery.StartsWith("/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/g/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PatchMain_IgnoresStatus_WhenTheStatusSubresourceExists()
    {
        await CreateGatewayApiCrdsAsync("gateways");
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(Gateway("g"), GatewayGroup, "v1", "default", "gateways");

        var patched = (JsonElement)await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"status":{"addresses":[{"value":"1.2.3.4"}]}}""", V1Patch.PatchType.MergePatch), GatewayGroup, "v1", "default", "gateways", "g");

        Assert.False(patched.TryGetProperty("status", out _));
    }

    [Fact]
    public async Task Generation_BumpsOnSpecChange_NotOnMetadataOrStatus()
    {
        await CreateGatewayApiCrdsAsync("gateways");
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(Gateway("g"), GatewayGroup, "v1", "default", "gateways");

        async Task<long> PatchAsync(string body, bool status = false)
        {
            var v1Patch = new V1Patch(body, V1Patch.PatchType.MergePatch);
            var result = (JsonElement)(status
                ? await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(v1Patch, GatewayGroup, "v1", "default", "gateways", "g")
                : await Client.CustomObjects.PatchNamespacedCustomObjectAsync(v1Patch, GatewayGroup, "v1", "default", "gateways", "g"));
            return result.GetProperty("metadata").GetProperty("generation").GetInt64();
        }

        Assert.Equal(1, await PatchAsync("""{"metadata":{"labels":{"a":"b"}}}"""));
        Assert.Equal(1, await PatchAsync("""{"status":{"addresses":[{"value":"1.2.3.4"}]}}""", status: true));
        Assert.Equal(2, await PatchAsync("""{"spec":{"gatewayClassName":"other"}}"""));
    }

    [Fact]
    public async Task Update_WithNoChange_KeepsResourceVersion()
    {
        var created = await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");

        var replaced = await Client.CoreV1.ReplaceNamespacedSecretAsync(created, "s1", "default");

        Assert.Equal(created.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task ServiceStatus_WrittenThroughTheStore_IsReadableAndSurvivesSpecUpdates()
    {
        var service = await Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service { Metadata = new V1ObjectMeta { Name = "portcullis-g" }, Spec = new V1ServiceSpec { Type = "LoadBalancer" } }, "default");
        var stored = Server.Get("v1", "services", "default", "portcullis-g")!;
        stored["status"] = System.Text.Json.Nodes.JsonNode.Parse("""{"loadBalancer":{"ingress":[{"ip":"127.0.0.9"}]}}""");
        Server.Put(stored);

        var read = await Client.CoreV1.ReadNamespacedServiceAsync("portcullis-g", "default");
        read.Spec.Ports = [new V1ServicePort { Port = 8080 }];
        var replaced = await Client.CoreV1.ReplaceNamespacedServiceAsync(read, "portcullis-g", "default");

        Assert.Equal("127.0.0.9", replaced.Status.LoadBalancer.Ingress[0].Ip);
        Assert.NotEqual(service.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);
    }
}
