namespace Portcullis.FunctionalTests;

using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// A ListenerSet through the real process: it adds an HTTPS listener with its own certificate on the port of the
/// Gateway's HTTPS listener, and clients choose between them by SNI, as with two listeners of the Gateway itself.
/// </summary>
public sealed class ListenerSetTests
{
    private const string ListenerSetPath = "/apis/gateway.networking.k8s.io/v1/namespaces/default/listenersets/sample-team";

    [Fact]
    public async Task ListenerSetHttpsListener_OnTheGatewaysPort_ServesItsOwnCertificateBySniAndItsRoutes()
    {
        await using var s = Scenario.Create();
        var (gateway, address, example, sample) = await StartAsync(s, Gateway(s.HttpPort, s.HttpsPort));
        await GatewayProcess.EventuallyAsync(async () =>
            (await gateway.GetJsonAsync(ListenerSetPath))["status"]?["conditions"]?.AsArray()
                .Any(c => (string?)c?["type"] == "Programmed" && (string?)c?["status"] == "True") == true,
            "ListenerSet sample-team to be Programmed");

        // curl verifies the chain against each domain's own CA: success proves which certificate was served.
        var sampleReply = await Curl.HttpsAsync(sample.Host, address, s.HttpsPort, sample.CaCert, "/from-listenerset");
        Assert.True(sampleReply.ExitCode == 0, sampleReply.All);
        Assert.Contains("status=200", sampleReply.StdOut, StringComparison.Ordinal);
        Assert.Equal("/from-listenerset", (string?)Curl.Body(sampleReply)["path"]);
        Assert.Equal("www.sample.com", (string?)Curl.Body(sampleReply)["host"]);

        var exampleReply = await Curl.HttpsAsync(example.Host, address, s.HttpsPort, example.CaCert);
        Assert.True(exampleReply.ExitCode == 0, exampleReply.All);
        Assert.Contains("status=200", exampleReply.StdOut, StringComparison.Ordinal);

        var gatewayStatus = await gateway.GetJsonAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/sni-gateway");
        Assert.Equal(1, (int?)gatewayStatus["status"]?["attachedListenerSets"]);
        var setStatus = await gateway.GetJsonAsync(ListenerSetPath);
        Assert.Equal(1, (int?)setStatus["status"]?["listeners"]?[0]?["attachedRoutes"]);
    }

    [Fact]
    public async Task ListenerSet_GatewayWithoutAllowedListeners_IsNotAllowedAndItsHostnameIsNotServed()
    {
        await using var s = Scenario.Create();
        var (gateway, address, _, sample) = await StartAsync(s, Manifests.SniGateway(s.HttpPort, s.HttpsPort, "example-cert"));
        await GatewayProcess.EventuallyAsync(async () =>
            (await gateway.GetJsonAsync(ListenerSetPath))["status"]?["conditions"]?.AsArray()
                .Any(c => (string?)c?["type"] == "Accepted" && (string?)c?["status"] == "False" && (string?)c?["reason"] == "NotAllowed") == true,
            "ListenerSet sample-team to be NotAllowed");

        // Only the Gateway's certificate is served, so a client that trusts the sample CA only refuses the handshake.
        var r = await Curl.HttpsAsync(sample.Host, address, s.HttpsPort, sample.CaCert, "/from-listenerset");
        Assert.NotEqual(0, r.ExitCode);
    }

    /// <summary>
    /// The workshop's backend and certificates, the given sni-gateway, a route for www.example.com on it and the
    /// ListenerSet sample-team with its route; returns once the Gateway is programmed.
    /// </summary>
    private static async Task<(GatewayProcess Gateway, string Address, WorkshopCertificate Example, WorkshopCertificate Sample)> StartAsync(Scenario s, string gatewayYaml)
    {
        var example = await WorkshopCertificate.CreateAsync(s.Certs, "example");
        var sample = await WorkshopCertificate.CreateAsync(s.Certs, "sample");
        var echo = await s.StartEchoAsync("backend-sni-local");
        s.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        s.Write("01-backend-sni.yaml", Manifests.BackendSni(echo.Port));
        s.Write("02-sni-gateway.yaml", gatewayYaml);
        s.Write("03-backend-sni-route.yaml", Manifests.BackendSniRoute("www.example.com"));
        s.Write("04-example-cert.yaml", example.SecretYaml("example-cert"));
        s.Write("05-sample-cert.yaml", sample.SecretYaml("sample-cert"));
        s.Write("06-listenerset.yaml", ListenerSet(s.HttpsPort));
        var gateway = await s.StartGatewayAsync();
        await gateway.WaitProgrammedAsync();
        return (gateway, await gateway.GatewayAddressAsync(), example, sample);
    }

    /// <summary>sni-gateway with an HTTPS listener for www.example.com that lets ListenerSets of its namespace attach.</summary>
    private static string Gateway(int httpPort, int httpsPort) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: sni-gateway
        spec:
          gatewayClassName: portcullis
          allowedListeners:
            namespaces:
              from: Same
          listeners:
            - name: http
              protocol: HTTP
              port: {httpPort}
            - name: https
              protocol: HTTPS
              port: {httpsPort}
              hostname: www.example.com
              tls:
                certificateRefs:
                  - name: example-cert
        """;

    /// <summary>A ListenerSet adding www.sample.com with sample-cert on the same port, and a route attached to it.</summary>
    private static string ListenerSet(int httpsPort) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata:
          name: sample-team
        spec:
          parentRef:
            name: sni-gateway
          listeners:
            - name: sample
              protocol: HTTPS
              port: {httpsPort}
              hostname: www.sample.com
              tls:
                certificateRefs:
                  - name: sample-cert
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: sample-route
        spec:
          parentRefs:
            - kind: ListenerSet
              group: gateway.networking.k8s.io
              name: sample-team
          rules:
            - backendRefs:
                - name: backend-sni
                  port: 3000
        """;
}
