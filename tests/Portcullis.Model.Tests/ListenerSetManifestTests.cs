namespace Portcullis.Model.Tests;

using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;
using static Portcullis.Model.Tests.ManifestDefaultingTests;

public class ListenerSetManifestTests
{
    [Fact]
    public void Read_ListenerSet_GetsParentRefAndAllowedRoutesDefaults()
    {
        var set = ReadOne<ListenerSet>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata:
              name: extra
              namespace: team-a
            spec:
              parentRef: { name: gw, namespace: infra }
              listeners:
                - name: web
                  protocol: HTTP
                  port: 8080
            """);

        Assert.Equal(("gateway.networking.k8s.io", "Gateway", "gw", "infra"),
            (set.Spec.ParentRef.Group, set.Spec.ParentRef.Kind, set.Spec.ParentRef.Name, set.Spec.ParentRef.Namespace));
        Assert.Equal("Same", Assert.Single(set.Spec.Listeners).AllowedRoutes?.Namespaces?.From);
    }

    [Fact]
    public void Read_GatewayWithAllowedListeners_KeepsFromAndDefaultsToNone()
    {
        var withSame = ReadOne<Gateway>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gw }
            spec:
              gatewayClassName: portcullis
              allowedListeners: { namespaces: { from: Same } }
              listeners: [{ name: web, protocol: HTTP, port: 8080 }]
            """);
        var withEmpty = ReadOne<Gateway>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gw }
            spec:
              gatewayClassName: portcullis
              allowedListeners: {}
              listeners: [{ name: web, protocol: HTTP, port: 8080 }]
            """);

        Assert.Equal("Same", withSame.Spec.AllowedListeners?.Namespaces?.From);
        Assert.Equal("None", withEmpty.Spec.AllowedListeners?.Namespaces?.From);
    }

    [Fact]
    public void Read_ListenerSetBreakingTheListenerCelRules_IsRejectedWithTheCrdsMessages()
    {
        var result = ManifestReader.Read("test.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: { name: bad }
            spec:
              parentRef: { name: gw }
              listeners:
                - { name: a, protocol: HTTP, port: 8080, hostname: a.example.com }
                - { name: b, protocol: HTTP, port: 8080, hostname: a.example.com }
                - { name: c, protocol: TCP, port: 9000, hostname: c.example.com }
            """);

        Assert.Empty(result.Objects);
        var text = string.Join("\n", result.Diagnostics.Select(d => d.ToString()));
        Assert.Contains("Combination of port, protocol and hostname must be unique for each listener", text, StringComparison.Ordinal);
        Assert.Contains("hostname must not be specified for protocols ['TCP', 'UDP']", text, StringComparison.Ordinal);
    }
}
