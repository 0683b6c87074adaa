using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portcullis.Kubernetes.TestServer.Tests;

public sealed class RestTests : ClientTestBase
{
    [Fact]
    public async Task Create_FillsServerFields()
    {
        var created = await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal("value", System.Text.Encoding.UTF8.GetString(created.Data["key"]));
    }

    [Fact]
    public async Task Create_Existing_IsAlreadyExists409()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default"));

        AssertStatus(error, HttpStatusCode.Conflict, "AlreadyExists");
    }

    [Fact]
    public async Task Get_Missing_IsNotFound404()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedSecretAsync("nope", "default"));

        AssertStatus(error, HttpStatusCode.NotFound, "NotFound");
    }

    [Fact]
    public async Task Replace_WithStaleResourceVersion_IsConflict409()
    {
        var first = await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");
        first.Metadata.Labels = new Dictionary<string, string> { ["a"] = "1" };
        await Client.CoreV1.ReplaceNamespacedSecretAsync(first, "s1", "default");

        first.Metadata.Labels["a"] = "2";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReplaceNamespacedSecretAsync(first, "s1", "default"));

        AssertStatus(error, HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task Create_InvalidName_IsInvalid422()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedSecretAsync(Secret("Not_A_Name"), "default"));

        AssertStatus(error, HttpStatusCode.UnprocessableEntity, "Invalid");
    }

    [Fact]
    public async Task Patch_ApplyPatchYaml_IsUnsupportedMediaType415()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("{}", V1Patch.PatchType.ApplyPatch), "s1", "default", fieldManager: "test"));

        AssertStatus(error, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType");
    }

    [Fact]
    public async Task Patch_MergeJsonAndStrategic_AllApply()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");

        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"labels":{"merge":"yes"}}}""", V1Patch.PatchType.MergePatch), "s1", "default");
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""[{"op":"add","path":"/metadata/labels/json","value":"yes"}]""", V1Patch.PatchType.JsonPatch), "s1", "default");
        var patched = await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"labels":{"strategic":"yes","merge":null}}}""", V1Patch.PatchType.StrategicMergePatch), "s1", "default");

        Assert.Equal(new Dictionary<string, string> { ["json"] = "yes", ["strategic"] = "yes" }, patched.Metadata.Labels);
    }

    [Fact]
    public async Task Patch_JsonPatchTestFails_IsInvalid422()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""[{"op":"test","path":"/type","value":"kubernetes.io/tls"}]""", V1Patch.PatchType.JsonPatch), "s1", "default"));

        AssertStatus(error, HttpStatusCode.UnprocessableEntity, "Invalid");
    }

    [Fact]
    public async Task List_Selectors_FilterByLabelsNameAndSecretType()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a", labels: new Dictionary<string, string> { ["tier"] = "web" }), "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("b", "kubernetes.io/tls", new Dictionary<string, string> { ["tier"] = "db" }), "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("c", labels: new Dictionary<string, string> { ["tier"] = "cache" }), "other");

        static IEnumerable<string> Names(V1SecretList list) => list.Items.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["a", "b"], Names(await Client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: "tier in (web,db)")));
        Assert.Equal(["a", "c"], Names(await Client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: "tier!=db")));
        Assert.Equal(["b"], Names(await Client.CoreV1.ListSecretForAllNamespacesAsync(fieldSelector: "type=kubernetes.io/tls")));
        Assert.Equal(["c"], Names(await Client.CoreV1.ListSecretForAllNamespacesAsync(fieldSelector: "metadata.namespace=other")));
        Assert.Equal(["a"], Names(await Client.CoreV1.ListNamespacedSecretAsync("default", fieldSelector: "metadata.name=a")));
    }

    [Fact]
    public async Task List_UnsupportedFieldSelector_IsBadRequest400()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ListNamespacedServiceAsync("default", fieldSelector: "spec.type=LoadBalancer"));

        AssertStatus(error, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task Namespaces_DefaultKubeSystemAndThoseWrittenInto_Exist()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "portcullis-system");

        var names = (await Client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name).ToList();

        Assert.Contains("default", names);
        Assert.Contains("kube-system", names);
        Assert.Contains("portcullis-system", names);
    }

    [Fact]
    public async Task Lease_CreateAndReplace_AsLeaderElectionDoes()
    {
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "portcullis-controller" },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 },
        };
        var created = await Client.CoordinationV1.CreateNamespacedLeaseAsync(lease, "portcullis-system");
        created.Spec.HolderIdentity = "b";

        var replaced = await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "portcullis-controller", "portcullis-system");

        Assert.Equal("b", replaced.Spec.HolderIdentity);
        Assert.NotEqual(created.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Delete_Owner_CollectsDependentsButNotOthers()
    {
        await CreateGatewayApiCrdsAsync("gateways");
        var gateway = (JsonElement)await Client.CustomObjects.CreateNamespacedCustomObjectAsync(Gateway("g"), GatewayGroup, "v1", "default", "gateways");
        var uid = gateway.GetProperty("metadata").GetProperty("uid").GetString();
        var owned = new V1Service
        {
            Metadata = new V1ObjectMeta
            {
                Name = "portcullis-g",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "Gateway", Name = "g", Uid = uid, BlockOwnerDeletion = true, Controller = true }],
            },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] },
        };
        await Client.CoreV1.CreateNamespacedServiceAsync(owned, "default");
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "unowned" } }, "default");

        var deleted = (JsonElement)await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(GatewayGroup, "v1", "default", "gateways", "g");

        Assert.Equal("g", deleted.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Null(Server.Get("v1", "services", "default", "portcullis-g"));
        Assert.NotNull(Server.Get("v1", "services", "default", "unowned"));
    }

    [Fact]
    public async Task CustomObjects_ReferenceGrantVersions_ShareStorage()
    {
        await CreateGatewayApiCrdsAsync("referencegrants");
        var grant = new Dictionary<string, object>
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1beta1",
            ["kind"] = "ReferenceGrant",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "rg" },
            ["spec"] = new Dictionary<string, object>(),
        };
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(grant, GatewayGroup, "v1beta1", "default", "referencegrants");

        var read = (JsonElement)await Client.CustomObjects.GetNamespacedCustomObjectAsync(GatewayGroup, "v1", "default", "referencegrants", "rg");

        Assert.Equal("gateway.networking.k8s.io/v1", read.GetProperty("apiVersion").GetString());
    }

    internal static void AssertStatus(HttpOperationException error, HttpStatusCode code, string reason)
    {
        Assert.Equal(code, error.Response.StatusCode);
        var status = JsonNode.Parse(error.Response.Content)!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal(reason, (string?)status["reason"]);
        Assert.Equal((int)code, (int?)status["code"]);
    }
}
