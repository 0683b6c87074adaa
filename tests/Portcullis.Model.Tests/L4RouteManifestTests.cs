namespace Portcullis.Model.Tests;

using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;
using static Portcullis.Model.Tests.ManifestDefaultingTests;

public class L4RouteManifestTests
{
    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha2")]
    [InlineData("v1alpha3")]
    public void Read_TlsRouteOfEveryServedVersion_GetsBackendRefDefaults(string version)
    {
        var route = ReadOne<TlsRoute>($"""
            apiVersion: gateway.networking.k8s.io/{version}
            kind: TLSRoute
            metadata:
              name: r
            spec:
              parentRefs: [{"{"} name: gw {"}"}]
              hostnames: [abc.example.com]
              rules:
                - backendRefs: [{"{"} name: svc, port: 443 {"}"}]
            """);

        var backend = Assert.Single(Assert.Single(route.Spec.Rules).BackendRefs);
        Assert.Equal(("", "Service", 1), (backend.Group, backend.Kind, backend.Weight));
        Assert.Equal("abc.example.com", Assert.Single(route.Spec.Hostnames));
    }

    [Theory]
    [InlineData("TCPRoute", typeof(TcpRoute))]
    [InlineData("UDPRoute", typeof(UdpRoute))]
    public void Read_WorkshopsV1Alpha2TcpAndUdpRoutes_AreRead(string kind, Type type)
    {
        var result = ManifestReader.Read("test.yaml", $"""
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: {kind}
            metadata:
              name: r
            spec:
              parentRefs: [{"{"} name: gw, sectionName: l4 {"}"}]
              rules:
                - backendRefs: [{"{"} name: svc, port: 53, weight: 2 {"}"}]
            """);

        Assert.Empty(result.Diagnostics);
        Assert.IsType(type, Assert.Single(result.Objects));
    }

    [Fact]
    public void Read_TlsRouteV1WithoutHostnames_IsRejectedAsTheApiServerWould()
    {
        var result = ManifestReader.Read("test.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata:
              name: r
            spec:
              rules:
                - backendRefs: [{ name: svc, port: 443 }]
            """);

        Assert.Empty(result.Objects);
        Assert.Contains(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.FieldPath == "spec.hostnames");
    }
}
