namespace Portcullis.FunctionalTests.Infrastructure;

/// <summary>Manifests for tests, built from the workshop's examples/ with the test's own ports.</summary>
internal static class Manifests
{
    public static string GatewayClass => File.ReadAllText(Path.Combine(Repo.Examples, "workshop", "00-gatewayclass.yaml"));

    /// <summary>examples/workshop/01-backend-sni.yaml with the echo backend's port.</summary>
    public static string BackendSni(int echoPort) =>
        File.ReadAllText(Path.Combine(Repo.Examples, "workshop", "01-backend-sni.yaml"))
            .Replace("    port: 3000\nendpoints:", $"    port: {echoPort}\nendpoints:", StringComparison.Ordinal);

    /// <summary>sni-gateway with its HTTP listener and, when certificate refs are given, the HTTPS listener of step 6.3/6.6.</summary>
    public static string SniGateway(int httpPort, int httpsPort, params string[] certificateRefs)
    {
        var https = certificateRefs.Length == 0 ? "" : $"""

                - name: https
                  protocol: HTTPS
                  port: {httpsPort}
                  tls:
                    mode: Terminate
                    certificateRefs:
            {string.Join("\n", certificateRefs.Select(r => $"          - kind: Secret\n            group: \"\"\n            name: {r}"))}
            """;
        return $"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: sni-gateway
            spec:
              gatewayClassName: portcullis
              listeners:
                - name: http
                  protocol: HTTP
                  port: {httpPort}{https}
            """;
    }

    /// <summary>A Service (port named http) and its EndpointSlice with one endpoint, 127.0.0.1:endpointPort.</summary>
    public static string ServiceWithEndpoint(string name, int servicePort, int endpointPort) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
        spec:
          ports:
            - name: http
              port: {servicePort}
              targetPort: {endpointPort}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {name}-1
          labels:
            kubernetes.io/service-name: {name}
        addressType: IPv4
        ports:
          - name: http
            port: {endpointPort}
        endpoints:
          - addresses: ["127.0.0.1"]
        """;

    /// <summary>HTTPRoute backend-sni of step 3 (and 6.7 with more hostnames).</summary>
    public static string BackendSniRoute(params string[] hostnames) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: backend-sni
        spec:
          parentRefs:
            - name: sni-gateway
          hostnames:
        {string.Join("\n", hostnames.Select(h => $"    - \"{h}\""))}
          rules:
            - backendRefs:
                - group: ""
                  kind: Service
                  name: backend-sni
                  port: 3000
                  weight: 1
              matches:
                - path:
                    type: PathPrefix
                    value: /
        """;
}
