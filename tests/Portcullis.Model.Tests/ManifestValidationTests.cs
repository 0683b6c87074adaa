namespace Portcullis.Model.Tests;

using Portcullis.Model.Manifests;

public class ManifestValidationTests
{
    private const string GatewayHead = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
        spec:
          gatewayClassName: portcullis
          listeners:

        """;

    private const string RouteHead = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: r
        spec:
          parentRefs:
            - name: gw
          rules:

        """;

    [Theory]
    // schema: maximum
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 80}\n    - {name: b, protocol: HTTP, port: 70000}",
        "spec.listeners[1].port", "Invalid value: 70000: must be less than or equal to 65535")]
    // schema: minimum
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 0}", "spec.listeners[0].port", "Invalid value: 0: must be greater than or equal to 1")]
    // schema: type
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: eighty}", "spec.listeners[0].port", "Invalid value: \"eighty\": must be of type integer")]
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 80, allowedRoutes: []}", "spec.listeners[0].allowedRoutes", "Invalid value: \"array\": must be of type object")]
    // schema: required
    [InlineData(GatewayHead + "    - {name: a, port: 80}", "spec.listeners[0].protocol", "Required value")]
    // schema: pattern
    [InlineData(GatewayHead + "    - {name: a, protocol: -http, port: 80}", "spec.listeners[0].protocol", "Invalid value: \"-http\": must match '^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$'")]
    // schema: enum
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: Everywhere}}}",
        "spec.listeners[0].allowedRoutes.namespaces.from", "Unsupported value: \"Everywhere\": supported values: \"All\", \"Selector\", \"Same\"")]
    // schema: unknown field
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 80, prot: 1}", "spec.listeners[0].prot", "unknown field")]
    // schema: minItems
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: p\n  listeners: []",
        "spec.listeners", "Invalid value: 0: must have at least 1 items")]
    // schema: list-map key uniqueness (CEL "Listener name must be unique" as well)
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 80}\n    - {name: a, protocol: HTTP, port: 81}", "spec.listeners[1]", "Duplicate value: {\"name\":\"a\"}")]
    // schema: oneOf with ipv4/ipv6 format
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: p\n  addresses: [{value: not-an-ip}]\n  listeners: [{name: a, protocol: HTTP, port: 80}]",
        "spec.addresses[0].value", "Invalid value: \"not-an-ip\": must be of type ipv4 or ipv6")]
    // CEL: hostname not allowed with TCP/UDP
    [InlineData(GatewayHead + "    - {name: a, protocol: TCP, port: 9000, hostname: a.example.com}", "spec.listeners[0].hostname",
        "Invalid value: \"a.example.com\": hostname must not be specified for protocols ['TCP', 'UDP']")]
    // CEL: Terminate needs certificateRefs
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTPS, port: 443, tls: {mode: Terminate}}", "spec.listeners[0].tls",
        "Invalid value: \"object\": certificateRefs or options must be specified when mode is Terminate")]
    // CEL: tls not allowed for HTTP
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 80, tls: {certificateRefs: [{name: c}]}}", "spec.listeners[0].tls",
        "Invalid value: \"object\": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']")]
    // CEL: TLS needs a mode — defaulting already sets Terminate when tls is present, so only a missing tls fails
    [InlineData(GatewayHead + "    - {name: a, protocol: TLS, port: 443, hostname: a.example.com}", "spec.listeners[0].tls", "Required value: tls mode must be set for protocol TLS")]
    // CEL: port/protocol/hostname unique
    [InlineData(GatewayHead + "    - {name: a, protocol: HTTP, port: 80}\n    - {name: b, protocol: HTTP, port: 80}", "spec.listeners[1]",
        "Invalid value: \"object\": Combination of port, protocol and hostname must be unique for each listener (same as spec.listeners[0])")]
    // CEL: path value must start with '/'
    [InlineData(RouteHead + "    - matches: [{path: {type: PathPrefix, value: api}}]", "spec.rules[0].matches[0].path.value",
        "Invalid value: \"api\": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']")]
    // CEL: Service backendRef needs a port
    [InlineData(RouteHead + "    - backendRefs: [{name: svc}]", "spec.rules[0].backendRefs[0].port", "Required value: Must have port for Service reference")]
    // CEL: filter type and field agree
    [InlineData(RouteHead + "    - filters: [{type: RequestHeaderModifier}]", "spec.rules[0].filters[0].requestHeaderModifier",
        "Required value: filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type")]
    // CEL: redirect and backendRefs are exclusive
    [InlineData(RouteHead + "    - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]\n      backendRefs: [{name: svc, port: 80}]", "spec.rules[0]",
        "Invalid value: \"object\": RequestRedirect filter must not be used together with backendRefs")]
    public void Read_InvalidGatewayApiObject_ReportsFieldPathAndApiServerReason(string yaml, string path, string message)
    {
        var result = ManifestReader.Read("bad.yaml", yaml);

        Assert.Empty(result.Objects);
        Assert.Contains(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.FieldPath == path && d.Message == message);
    }

    [Fact]
    public void Read_HostnameLongerThan253_ReportsTooLong()
    {
        var hostname = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));
        var result = ManifestReader.Read("bad.yaml", GatewayHead + $"    - {{name: a, protocol: HTTP, port: 80, hostname: {hostname}}}");

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(("spec.listeners[0].hostname", "Too long: may not be more than 253 chars"), (error.FieldPath, error.Message));
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: not*base64\n  tls.key: QUJD",
        "data.tls.crt", "Invalid value: data values must be base64-encoded (use stringData for plain text)")]
    [InlineData("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: QUJD", "data.tls.key", "Required value")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 70000}]", "spec.ports[0].port", "Invalid value: 70000: must be between 1 and 65535, inclusive")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80, targetPort: 0}]", "spec.ports[0].targetPort", "Invalid value: 0: must be between 1 and 65535, inclusive")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80, targetPort: Http_Port}]", "spec.ports[0].targetPort",
        "Invalid value: \"Http_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: 1svc}\nspec:\n  ports: [{port: 80}]", "metadata.name",
        "Invalid value: \"1svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")]
    [InlineData("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e}\naddressType: IPv5\nendpoints: []", "addressType",
        "Unsupported value: \"IPv5\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"")]
    [InlineData("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e}\naddressType: IPv4\nendpoints: [{addresses: [\"::1\"]}]", "endpoints[0].addresses[0]",
        "Invalid value: \"::1\": must be a valid IPv4 address")]
    [InlineData("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e}\naddressType: IPv4\nendpoints: []\nports: [{port: 65536}]", "ports[0].port",
        "Invalid value: 65536: must be between 1 and 65535, inclusive")]
    [InlineData("apiVersion: v1\nkind: Namespace\nmetadata: {name: my.ns}", "metadata.name",
        "Invalid value: \"my.ns\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: Portcullis}\nspec: {controllerName: portcullis.dev/gateway}", "metadata.name",
        "Invalid value: \"Portcullis\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
    public void Read_InvalidCoreObjectOrName_ReportsFieldPathAndReason(string yaml, string path, string message)
    {
        var result = ManifestReader.Read("bad.yaml", yaml);

        Assert.Empty(result.Objects);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Error, path, message), (error.Severity, error.FieldPath, error.Message));
    }

    [Fact]
    public void Read_ValidCoreObjects_HaveNoDiagnostics()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              ports:
                - {name: http, port: 80, targetPort: http-alt}
                - {name: grpc, port: 9000, targetPort: 9000, protocol: TCP}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: web-1
              labels: {kubernetes.io/service-name: web}
            addressType: IPv4
            endpoints: [{addresses: [127.0.0.1]}]
            ports: [{name: http, port: 8080}]
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: s}
            type: kubernetes.io/tls
            stringData: {tls.crt: x, tls.key: y}
            """;

        var result = ManifestReader.Read("ok.yaml", yaml);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(3, result.Objects.Count);
    }

    [Fact]
    public void Read_GatewayApiFieldPortcullisDoesNotRead_SaysNotSupportedRatherThanUnknown()
    {
        const string yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: TCPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: gw}]
              useDefaultGateways: All
              rules: [{backendRefs: [{name: svc, port: 80}]}]
            """;

        // spec.useDefaultGateways (experimental channel) is in the embedded CRD but not in the model.
        var error = Assert.Single(ManifestReader.Read("r.yaml", yaml).Diagnostics);

        Assert.Equal("field not supported by Portcullis", error.Message);
    }
}
