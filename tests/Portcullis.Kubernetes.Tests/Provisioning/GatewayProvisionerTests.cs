namespace Portcullis.Kubernetes.Tests.Provisioning;

using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using Portcullis.Kubernetes.Provisioning;
using Portcullis.Kubernetes.TestServer;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.Manifests;
using Portcullis.Model.Serialization;
using Portcullis.Translation;
using Xunit.Abstractions;

/// <summary>The provisioner through KubernetesClient against the test API server.</summary>
public sealed class GatewayProvisionerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ClassYaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: portcullis
        spec:
          controllerName: portcullis.dev/gateway-controller
          parametersRef:
            group: portcullis.dev
            kind: GatewayParameters
            name: defaults
            namespace: portcullis-system
        """;

    private TestApiServer _server = null!;
    private IKubernetes _client = null!;
    private GatewayProvisioner _provisioner = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartAsync();
        _directory = Directory.CreateTempSubdirectory("portcullis-provision-").FullName;
        _client = KubernetesClientFactory.Create(_server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig")));
        _provisioner = new GatewayProvisioner(_client, new GatewayProvisionerOptions { ProxyImage = "example.test/portcullis:1" }, new TestOutputLogger<GatewayProvisioner>(output));
        var crds = new[]
        {
            Path.Combine(RepoRoot(), "deploy", "crds", "portcullis.dev_gatewayparameters.yaml"),
            Path.Combine(RepoRoot(), "src", "Portcullis.Model", "Manifests", "Crds", "standard-gateway.networking.k8s.io_gatewayclasses.yaml"),
            Path.Combine(RepoRoot(), "src", "Portcullis.Model", "Manifests", "Crds", "standard-gateway.networking.k8s.io_gateways.yaml"),
            Path.Combine(RepoRoot(), "src", "Portcullis.Model", "Manifests", "Crds", "standard-gateway.networking.k8s.io_referencegrants.yaml"),
        };
        foreach (var crd in crds.SelectMany(f => Yaml.ParseDocuments(File.ReadAllText(f))))
        {
            _server.Put(crd!.AsObject());
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Reconcile_AcceptedGateway_CreatesServiceAccountServiceAndDeployment_AndASecondPassWritesNothing()
    {
        var snapshot = Snapshot(ClassYaml, GatewayYaml("sni-gateway", ports: [80]));

        await ReconcileAsync(snapshot);
        var service = await _client.CoreV1.ReadNamespacedServiceAsync("portcullis-sni-gateway", "default");
        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("portcullis-sni-gateway", "default");
        var account = await _client.CoreV1.ReadNamespacedServiceAccountAsync("portcullis-sni-gateway", "default");

        Assert.Equal(("LoadBalancer", 80), (service.Spec.Type, service.Spec.Ports.Single().Port));
        Assert.Equal(["proxy", "--gateway", "default/sni-gateway", "--admin", "0.0.0.0:19901"], deployment.Spec.Template.Spec.Containers[0].Args);
        Assert.Equal("sni-gateway", Assert.Single(account.Metadata.OwnerReferences).Name);

        var writesBefore = Writes();
        await ReconcileAsync(snapshot);
        Assert.Equal(writesBefore, Writes());
    }

    [Fact]
    public async Task Reconcile_AcceptedGateway_SharesOneRandomSessionKeyWithItsReplicasAndNeverRotatesIt()
    {
        var snapshot = Snapshot(ClassYaml, GatewayYaml("sni-gateway", ports: [80]));

        await ReconcileAsync(snapshot);
        var secret = await _client.CoreV1.ReadNamespacedSecretAsync("portcullis-sni-gateway-session", "default");
        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("portcullis-sni-gateway", "default");
        await ReconcileAsync(snapshot);
        var again = await _client.CoreV1.ReadNamespacedSecretAsync("portcullis-sni-gateway-session", "default");

        var key = secret.Data["key"];
        Assert.Equal(44, key.Length); // base64 of 32 random bytes
        Assert.Equal(key, again.Data["key"]);
        Assert.Equal("sni-gateway", Assert.Single(secret.Metadata.OwnerReferences).Name);
        var env = Assert.Single(deployment.Spec.Template.Spec.Containers[0].Env);
        Assert.Equal(("PORTCULLIS_SESSION_KEY", "portcullis-sni-gateway-session", "key"),
            (env.Name, env.ValueFrom.SecretKeyRef.Name, env.ValueFrom.SecretKeyRef.Key));
    }

    [Fact]
    public async Task Reconcile_GatewayParameters_ComeFromTheClassOverriddenByTheGateway()
    {
        PutParameters("portcullis-system", "defaults", new JsonObject { ["replicas"] = 2, ["service"] = new JsonObject { ["type"] = "NodePort" } });
        PutParameters("default", "big", new JsonObject { ["replicas"] = 4 });
        var snapshot = Snapshot(ClassYaml, GatewayYaml("sni-gateway", ports: [80], parametersRef: "big"));

        await ReconcileAsync(snapshot);

        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("portcullis-sni-gateway", "default");
        var service = await _client.CoreV1.ReadNamespacedServiceAsync("portcullis-sni-gateway", "default");
        Assert.Equal((4, "NodePort"), (deployment.Spec.Replicas, service.Spec.Type));
    }

    [Fact]
    public async Task Reconcile_ListenerAdded_UpdatesTheServicePorts()
    {
        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("sni-gateway", ports: [80])));

        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("sni-gateway", ports: [80, 443])));

        var service = await _client.CoreV1.ReadNamespacedServiceAsync("portcullis-sni-gateway", "default");
        Assert.Equal([80, 443], service.Spec.Ports.Select(p => p.Port));
        Assert.Contains(_server.Requests, r => r.Method == "PUT" && r.PathAndQuery.StartsWith("/api/v1/namespaces/default/services/portcullis-sni-gateway", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reconcile_GatewayNoLongerAccepted_DeletesItsObjectsAndKeepsTheOthers()
    {
        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("a", ports: [80]), GatewayYaml("b", ports: [80])));

        // b moves to a class that is not ours.
        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("a", ports: [80]), GatewayYaml("b", ports: [80], className: "someone-else")));

        Assert.NotNull(_server.Get("apps/v1", "deployments", "default", "portcullis-a"));
        Assert.Null(_server.Get("apps/v1", "deployments", "default", "portcullis-b"));
        Assert.Null(_server.Get("v1", "services", "default", "portcullis-b"));
        Assert.Null(_server.Get("v1", "serviceaccounts", "default", "portcullis-b"));
    }

    [Fact]
    public async Task Reconcile_GatewayOfOurClassNoLongerAccepted_KeepsItsFleet()
    {
        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("a", ports: [80])));

        // spec.addresses is unsupported with provisioned Services: Accepted turns False, yet the serving fleet stays.
        var withAddress = GatewayYaml("a", ports: [80]).Replace("  listeners:", "  addresses:\n  - value: 10.1.2.3\n  listeners:", StringComparison.Ordinal);
        var snapshot = Snapshot(ClassYaml, withAddress);
        var result = Translator.Translate(snapshot, new TranslatorOptions { AddressSource = AddressSource.ProvisionedService });
        Assert.Contains(result.Status.Gateways.Single().Value.Conditions, c => c is { Type: "Accepted", Status: "False" });
        await _provisioner.ReconcileAsync(snapshot, result, CancellationToken.None);

        Assert.NotNull(_server.Get("apps/v1", "deployments", "default", "portcullis-a"));
        Assert.NotNull(_server.Get("v1", "services", "default", "portcullis-a"));
    }

    [Fact]
    public async Task Reconcile_SameNamedServiceNotOurs_IsLeftAlone()
    {
        _server.Put(JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"portcullis-sni-gateway","namespace":"default"},"spec":{"type":"ClusterIP","ports":[{"port":9999}]}}""")!.AsObject());

        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("sni-gateway", ports: [80])));

        var service = await _client.CoreV1.ReadNamespacedServiceAsync("portcullis-sni-gateway", "default");
        Assert.Equal(9999, service.Spec.Ports.Single().Port);
        Assert.NotNull(_server.Get("apps/v1", "deployments", "default", "portcullis-sni-gateway"));
    }

    [Fact]
    public async Task Reconcile_InfrastructureLabelAndAnnotationRemoved_AreRemovedFromProvisionedObjectsButOthersStay()
    {
        var labelled = GatewayYaml("a", ports: [80]).Replace("  listeners:", "  infrastructure:\n    labels:\n      team: payments\n    annotations:\n      owner: alice\n  listeners:", StringComparison.Ordinal);
        await ReconcileAsync(Snapshot(ClassYaml, labelled));
        var patch = new k8s.Models.V1Patch("""{"metadata":{"labels":{"added-by":"kubectl"},"annotations":{"note":"kept"}}}""", k8s.Models.V1Patch.PatchType.MergePatch);
        await _client.CoreV1.PatchNamespacedServiceAsync(patch, "portcullis-a", "default");

        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("a", ports: [80])));

        var service = await _client.CoreV1.ReadNamespacedServiceAsync("portcullis-a", "default");
        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync("portcullis-a", "default");
        Assert.False(service.Metadata.Labels.ContainsKey("team"));
        Assert.False(service.Metadata.Annotations.ContainsKey("owner"));
        Assert.False(deployment.Metadata.Labels.ContainsKey("team"));
        Assert.False(deployment.Spec.Template.Metadata.Labels.ContainsKey("team"));
        Assert.Equal("kubectl", service.Metadata.Labels["added-by"]);
        Assert.Equal("kept", service.Metadata.Annotations["note"]);
    }

    [Fact]
    public async Task Reconcile_LoadBalancerClassChanged_IsNotRewrittenBecauseKubernetesKeepsItImmutable()
    {
        PutParameters("portcullis-system", "defaults", new JsonObject { ["service"] = new JsonObject { ["loadBalancerClass"] = "example.com/first" } });
        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("a", ports: [80])));
        var writesBefore = Writes();

        PutParameters("portcullis-system", "defaults", new JsonObject { ["service"] = new JsonObject { ["loadBalancerClass"] = "example.com/second" } });
        await ReconcileAsync(Snapshot(ClassYaml, GatewayYaml("a", ports: [80])));

        var service = await _client.CoreV1.ReadNamespacedServiceAsync("portcullis-a", "default");
        Assert.Equal("example.com/first", service.Spec.LoadBalancerClass);
        Assert.Equal(writesBefore, Writes());
    }

    [Fact]
    public async Task Reconcile_HttpsListeners_GrantTheProxyExactlyItsPermittedSecretsPerNamespace()
    {
        const string Grant = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata:
              name: gateways-may-use-certs
              namespace: certs
            spec:
              from:
              - group: gateway.networking.k8s.io
                kind: Gateway
                namespace: default
              to:
              - group: ""
                kind: Secret
            """;
        var gateway = HttpsGatewayYaml("a", ("cert", null), ("shared-cert", "certs"), ("not-granted", "other"));
        await ReconcileAsync(Snapshot(ClassYaml, Grant, gateway));

        var home = await _client.RbacAuthorizationV1.ReadNamespacedRoleAsync("portcullis-a", "default");
        Assert.Equal(["cert"], home.Rules.Single().ResourceNames);
        Assert.Equal(["get", "list", "watch"], home.Rules.Single().Verbs);
        Assert.Equal(["secrets"], home.Rules.Single().Resources);
        Assert.Equal("a", Assert.Single(home.Metadata.OwnerReferences).Name);
        var crossName = SecretAccess.RoleName("default", "a", "certs");
        var cross = await _client.RbacAuthorizationV1.ReadNamespacedRoleAsync(crossName, "certs");
        Assert.Equal(["shared-cert"], cross.Rules.Single().ResourceNames);
        var binding = await _client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(crossName, "certs");
        Assert.Equal(("Role", crossName), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(("ServiceAccount", "portcullis-a", "default"), (binding.Subjects.Single().Kind, binding.Subjects.Single().Name, binding.Subjects.Single().NamespaceProperty));
        Assert.Empty((await _client.RbacAuthorizationV1.ListNamespacedRoleAsync("other")).Items);

        // The cross-namespace reference goes: its Role and RoleBinding (no owner there) go too.
        await ReconcileAsync(Snapshot(ClassYaml, Grant, HttpsGatewayYaml("a", ("cert", null))));
        Assert.Null(_server.Get("rbac.authorization.k8s.io/v1", "roles", "certs", crossName));
        Assert.Null(_server.Get("rbac.authorization.k8s.io/v1", "rolebindings", "certs", crossName));
        Assert.NotNull(_server.Get("rbac.authorization.k8s.io/v1", "roles", "default", "portcullis-a"));
    }

    private static string HttpsGatewayYaml(string name, params (string Name, string? Namespace)[] certificates)
    {
        var refs = string.Concat(certificates.Select(c => $"\n        - name: {c.Name}" + (c.Namespace is null ? "" : $"\n          namespace: {c.Namespace}")));
        return $"apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  gatewayClassName: portcullis\n  listeners:\n    - name: https\n      protocol: HTTPS\n      port: 443\n      tls:\n        certificateRefs:{refs}\n";
    }

    private async Task ReconcileAsync(ResourceSnapshot snapshot) =>
        await _provisioner.ReconcileAsync(snapshot, Translator.Translate(snapshot, new TranslatorOptions { AddressSource = AddressSource.ProvisionedService }), CancellationToken.None);

    private int Writes() => _server.Requests.Count(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE");

    private void PutParameters(string ns, string name, JsonObject spec) =>
        _server.Put(new JsonObject
        {
            ["apiVersion"] = "portcullis.dev/v1alpha1",
            ["kind"] = "GatewayParameters",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        });

    private static string GatewayYaml(string name, int[] ports, string? parametersRef = null, string className = "portcullis")
    {
        var listeners = string.Concat(ports.Select(p => $"\n    - name: l{p}\n      protocol: HTTP\n      port: {p}"));
        var infrastructure = parametersRef is null ? "" : $"\n  infrastructure:\n    parametersRef:\n      group: portcullis.dev\n      kind: GatewayParameters\n      name: {parametersRef}";
        return $"apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  gatewayClassName: {className}{infrastructure}\n  listeners:{listeners}\n";
    }

    /// <summary>Stores the objects in the server (owners must exist there, or its garbage collector takes what they own) and snapshots them as stored.</summary>
    private ResourceSnapshot Snapshot(params string[] documents)
    {
        var stored = documents.SelectMany(Yaml.ParseDocuments).Select(d => _server.Put(d!.AsObject()).ToJsonString());
        var read = ManifestReader.Read("test", string.Join("\n---\n", stored));
        Assert.Empty(read.Diagnostics);
        return ResourceSnapshot.Create(read.Objects);
    }

    private static string RepoRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));
}
