namespace Portcullis.Kubernetes.Tests.Workshop;

using System.Globalization;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// The workshop (seed: SNI based certificate selection) in Kubernetes mode, with its kubectl commands run verbatim
/// against the test API server, `portcullis controller` reconciling, and `portcullis proxy` serving the traffic
/// on the address written into the provisioned Service's load-balancer status. Ports are ephemeral (the
/// workshop's 80 and 443 need root); nothing else differs from the seed.
/// </summary>
public sealed class KubectlWorkshopTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Workshop_WithKubectlAgainstTheTestServer_ProvisionsReportsTheAddressAndServesBySni()
    {
        await using var cluster = await WorkshopCluster.StartAsync();
        var httpPort = Network.FreePort(cluster.LoadBalancerIp);
        var httpsPort = Network.FreePort(cluster.LoadBalancerIp);

        // Install: the Gateway API CRDs, our parameters CRD and our GatewayClass.
        var crds = Path.Combine(Repo.Root, "src", "Portcullis.Model", "Manifests", "Crds");
        foreach (var crd in Directory.GetFiles(crds, "*.yaml").Order(StringComparer.Ordinal).Append(Path.Combine(Repo.Root, "deploy", "crds", "portcullis.dev_gatewayparameters.yaml")))
        {
            await cluster.ApplyFileAsync(crd);
        }

        // The controller's namespace (its Lease lives there) and the GatewayClass, as deploy/portcullis.yaml has them;
        // the rest of that file is RBAC and the controller's Deployment, which the test server cannot run.
        await WorkshopCluster.MustAsync(cluster.KubectlAsync("create", "namespace", "portcullis-system"));
        var deploy = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "portcullis.yaml"));
        await cluster.ApplyAsync("gatewayclass.yaml", deploy[deploy.LastIndexOf("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass", StringComparison.Ordinal)..]);
        await cluster.StartControllerAsync();

        // Step 1: the backend (its pod is a `portcullis echo` process; its EndpointSlice is the endpoints controller's).
        var echo = cluster.Own(await EchoBackend.StartAsync("backend-sni-74bdbf5d5f-qh227"));
        var backend = Manifests.BackendSni(echo.Port);
        await cluster.ApplyAsync("backend-sni.yaml", backend[..backend.IndexOf("---\n# Standalone only", StringComparison.Ordinal)]);
        cluster.WriteEndpointSlice("backend-sni", echo.Port);

        // Steps 2 and 3: the Gateway and the HTTPRoute.
        await cluster.ApplyAsync("sni-gateway.yaml", Manifests.SniGateway(httpPort, httpsPort));
        await cluster.ApplyAsync("backend-sni-route.yaml", Manifests.BackendSniRoute("www.example.com"));

        // The controller provisions the proxy fleet.
        await GatewayProcess.EventuallyAsync(async () =>
            (await cluster.KubectlAsync("get", "deployment/portcullis-sni-gateway", "service/portcullis-sni-gateway", "serviceaccount/portcullis-sni-gateway")).ExitCode == 0,
            "the Deployment, Service and ServiceAccount portcullis-sni-gateway\n" + cluster.Diagnostics(), Settle);
        var ports = await WorkshopCluster.MustAsync(cluster.KubectlAsync("get", "service/portcullis-sni-gateway", "-o", "jsonpath={.spec.type} {.spec.ports[*].port}"));
        Assert.Equal($"LoadBalancer {httpPort}", ports.StdOut);

        // The kubelet starts the pod; the cloud controller gives the Service its address.
        await cluster.StartProxyAsync("default/sni-gateway");
        cluster.AssignLoadBalancerIp("default", "portcullis-sni-gateway");

        // Step 5, verbatim.
        string? address = null;
        await GatewayProcess.EventuallyAsync(async () =>
        {
            address = (await cluster.KubectlAsync("get", "gateway/sni-gateway", "-o", "jsonpath={.status.addresses[0].value}")).StdOut;
            return address == cluster.LoadBalancerIp;
        }, "status.addresses[0] to be the load balancer's address\n" + cluster.Diagnostics(), Settle);
        var programmed = await WorkshopCluster.MustAsync(cluster.KubectlAsync("get", "gateway/sni-gateway", "-o", "jsonpath={.status.conditions[?(@.type==\"Programmed\")].status}"));
        Assert.Equal("True", programmed.StdOut);

        // Step 6.1: HTTP through the proxy.
        var http = await Curl.HttpAsync("www.example.com", address!, httpPort);
        Assert.Contains("status=200", http.StdOut, StringComparison.Ordinal);
        Assert.Equal("backend-sni-74bdbf5d5f-qh227", (string?)Curl.Body(http)["pod"]);

        // Steps 6.2 and 6.3: a certificate, `kubectl create secret tls`, and the HTTPS listener patched in.
        var example = await WorkshopCertificate.CreateAsync(Path.Combine(cluster.Root, "certs"), "example");
        await WorkshopCluster.MustAsync(cluster.KubectlAsync("create", "secret", "tls", "example-cert", $"--key={example.LeafKey}", $"--cert={example.LeafCert}"));
        await WorkshopCluster.MustAsync(cluster.KubectlAsync("patch", "gateway", "sni-gateway", "--type=json", "--patch", $"""

              - op: add
                path: /spec/listeners/-
                value:
                  name: https
                  protocol: HTTPS
                  port: {httpsPort.ToString(CultureInfo.InvariantCulture)}
                  tls:
                    mode: Terminate
                    certificateRefs:
                    - kind: Secret
                      group: ""
                      name: example-cert
            """));

        // Step 6.4.
        await EventuallyOkAsync(cluster, () => Curl.HttpsAsync(example.Host, address!, httpsPort, example.CaCert));
        var https = await Curl.HttpsAsync(example.Host, address!, httpsPort, example.CaCert);
        Assert.Contains("SSL certificate verify ok", https.StdErr, StringComparison.Ordinal);

        // Steps 6.5 to 6.7: a second certificate on the same listener, and the route's second hostname.
        var sample = await WorkshopCertificate.CreateAsync(Path.Combine(cluster.Root, "certs"), "sample");
        await WorkshopCluster.MustAsync(cluster.KubectlAsync("create", "secret", "tls", "sample-cert", $"--key={sample.LeafKey}", $"--cert={sample.LeafCert}"));
        await WorkshopCluster.MustAsync(cluster.KubectlAsync("patch", "gateway", "sni-gateway", "--type=json", "--patch", """

              - op: add
                path: /spec/listeners/1/tls/certificateRefs/-
                value:
                  name: sample-cert
            """));
        await WorkshopCluster.MustAsync(cluster.KubectlAsync("patch", "httproute", "backend-sni", "--type=json", "--patch", """

              - op: add
                path: /spec/hostnames/-
                value: www.sample.com
            """));

        // Steps 6.8 and 6.9: SNI picks the certificate.
        await EventuallyOkAsync(cluster, () => Curl.HttpsAsync(sample.Host, address!, httpsPort, sample.CaCert, "/get", "-I"));
        var again = await Curl.HttpsAsync(example.Host, address!, httpsPort, example.CaCert, "/get", "-I");
        Assert.Contains("status=200", again.StdOut, StringComparison.Ordinal);
        var sClient = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"{address}:{httpsPort.ToString(CultureInfo.InvariantCulture)}", "-servername", sample.Host, "-CAfile", sample.CaCert], TimeSpan.FromSeconds(30));
        Assert.Contains("subject=CN=www.sample.com", sClient.StdOut.Replace(" = ", "=", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", sClient.StdOut, StringComparison.Ordinal);
    }

    private static Task EventuallyOkAsync(WorkshopCluster cluster, Func<Task<ProcessResult>> curl) =>
        GatewayProcess.EventuallyAsync(async () => (await curl()).StdOut.Contains("status=200", StringComparison.Ordinal),
            "curl to answer 200\n" + cluster.Diagnostics(), Settle);
}
