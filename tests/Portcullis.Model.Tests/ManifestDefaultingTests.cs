namespace Portcullis.Model.Tests;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;

public class ManifestDefaultingTests
{
    [Fact]
    public void Read_WorkshopManifests_LoadUnchangedWithInfoForServiceAccountAndDeployment()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "workshop.yaml"));
        var result = ManifestReader.Read("workshop.yaml", text);

        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Info, d.Severity));
        Assert.Equal(["ServiceAccount backend-sni", "Deployment backend-sni"], result.Diagnostics.Select(d => d.Object));
        Assert.Equal(["Service", "Gateway", "HTTPRoute", "Secret"], result.Objects.Select(o => o.Kind));
        var secret = Assert.IsType<Secret>(result.Objects[3]);
        Assert.StartsWith("-----BEGIN CERTIFICATE", System.Text.Encoding.ASCII.GetString(secret.Get("tls.crt")!), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HttpRouteWithoutMatches_GetsPathPrefixSlashMatch()
    {
        var route = ReadOne<HttpRoute>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: r
            spec:
              parentRefs:
                - name: gw
              rules:
                - backendRefs:
                    - name: svc
                      port: 8080
            """);

        var match = Assert.Single(Assert.Single(route.Spec.Rules).Matches);
        Assert.Equal("PathPrefix", match.Path?.Type);
        Assert.Equal("/", match.Path?.Value);
    }

    [Fact]
    public void Read_HttpRouteWithoutRules_GetsOneRuleMatchingEverything()
    {
        var route = ReadOne<HttpRoute>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: r
            spec:
              parentRefs:
                - name: gw
            """);

        var rule = Assert.Single(route.Spec.Rules);
        Assert.Equal("/", Assert.Single(rule.Matches).Path?.Value);
        Assert.Empty(rule.BackendRefs);
    }

    [Fact]
    public void Read_BackendRefAndParentRef_GetWeightOneKindServiceAndGatewayGroup()
    {
        var route = ReadOne<HttpRoute>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: r
            spec:
              parentRefs:
                - name: gw
              rules:
                - matches:
                    - path:
                        type: Exact
                        value: /a
                      headers:
                        - name: x
                          value: y
                  backendRefs:
                    - name: svc
                      port: 8080
            """);

        var backend = Assert.Single(route.Spec.Rules[0].BackendRefs);
        Assert.Equal(1, backend.Weight);
        Assert.Equal("Service", backend.Kind);
        Assert.Equal("", backend.Group);
        var parent = Assert.Single(route.Spec.ParentRefs);
        Assert.Equal(("gateway.networking.k8s.io", "Gateway"), (parent.Group, parent.Kind));
        Assert.Equal("Exact", Assert.Single(route.Spec.Rules[0].Matches[0].Headers).Type);
    }

    [Fact]
    public void Read_Listener_GetsAllowedRoutesFromSameAndTlsModeTerminateAndSecretRefKind()
    {
        var gateway = ReadOne<Gateway>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: gw
            spec:
              gatewayClassName: portcullis
              listeners:
                - name: https
                  protocol: HTTPS
                  port: 443
                  tls:
                    certificateRefs:
                      - name: cert
            """);

        var listener = Assert.Single(gateway.Spec.Listeners);
        Assert.Equal("Same", listener.AllowedRoutes?.Namespaces?.From);
        Assert.Equal("Terminate", listener.Tls?.Mode);
        var cert = Assert.Single(listener.Tls!.CertificateRefs);
        Assert.Equal(("", "Secret"), (cert.Group, cert.Kind));
    }

    [Fact]
    public void Read_RequestRedirectWithoutStatusCode_Gets302()
    {
        var route = ReadOne<HttpRoute>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: r
            spec:
              rules:
                - filters:
                    - type: RequestRedirect
                      requestRedirect:
                        scheme: https
            """);

        Assert.Equal(302, Assert.Single(route.Spec.Rules[0].Filters).RequestRedirect?.StatusCode);
    }

    [Fact]
    public void Read_GatewayWithStatus_IgnoresStatusLikeTheStatusSubresource()
    {
        var gateway = ReadOne<Gateway>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: gw
            spec:
              gatewayClassName: portcullis
              listeners:
                - name: http
                  protocol: HTTP
                  port: 80
            status:
              addresses:
                - value: 10.1.2.3
            """);

        Assert.Null(gateway.Status);
    }

    [Fact]
    public void Read_V1Beta1ReferenceGrant_IsValidatedAgainstItsOwnVersion()
    {
        var grant = ReadOne<ReferenceGrant>("""
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata:
              name: g
              namespace: certs
            spec:
              from:
                - group: gateway.networking.k8s.io
                  kind: Gateway
                  namespace: default
              to:
                - group: ""
                  kind: Secret
            """);

        Assert.Equal("certs", grant.Metadata.Namespace);
    }

    internal static T ReadOne<T>(string yaml)
    {
        var result = ManifestReader.Read("test.yaml", yaml);
        Assert.Empty(result.Diagnostics);
        return Assert.IsType<T>(Assert.Single(result.Objects));
    }
}
