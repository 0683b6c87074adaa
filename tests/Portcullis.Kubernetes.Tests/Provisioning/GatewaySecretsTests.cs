namespace Portcullis.Kubernetes.Tests.Provisioning;

using Portcullis.Model;
using Portcullis.Model.Manifests;

/// <summary>Which Secrets a Gateway's proxies may read: the listeners', the backend client certificate, its ListenerSets'.</summary>
public class GatewaySecretsTests
{
    private const string Objects = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: web, namespace: edge }
        spec:
          gatewayClassName: portcullis
          allowedListeners: { namespaces: { from: All } }
          tls:
            backend:
              clientCertificateRef: { name: backend-client }
          listeners:
            - name: https
              port: 443
              protocol: HTTPS
              hostname: www.example.com
              tls: { certificateRefs: [{ name: www-cert }, { name: shared-cert, namespace: certs }] }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: { name: team, namespace: team-a }
        spec:
          parentRef: { name: web, namespace: edge }
          listeners:
            - name: shop
              port: 443
              protocol: HTTPS
              hostname: shop.example.com
              tls: { certificateRefs: [{ name: shop-cert }, { name: shared-cert, namespace: certs }] }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: { name: elsewhere, namespace: team-b }
        spec:
          parentRef: { name: other, namespace: edge }
          listeners:
            - name: blog
              port: 443
              protocol: HTTPS
              hostname: blog.example.com
              tls: { certificateRefs: [{ name: blog-cert }] }
        ---
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: { name: listenersets-may, namespace: certs }
        spec:
          from: [{ group: gateway.networking.k8s.io, kind: ListenerSet, namespace: team-a }]
          to: [{ group: "", kind: Secret }]
        """;

    private static ResourceSnapshot Snapshot()
    {
        var read = ManifestReader.Read("test", Objects);
        Assert.Empty(read.Diagnostics);
        return ResourceSnapshot.Create(read.Objects);
    }

    [Fact]
    public void ReferencedBy_GatewayWithBackendClientCertificateAndListenerSet_IncludesAllOfThemButNotOtherGatewaysSets()
    {
        var secrets = GatewaySecrets.ReferencedBy(Snapshot(), "edge", "web");

        Assert.Equal(
            [new("certs", "shared-cert"), new("edge", "backend-client"), new("edge", "www-cert"), new("team-a", "shop-cert")],
            secrets.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void Permitted_CrossNamespaceSecret_OnlyForTheKindTheGrantNames()
    {
        var snapshot = Snapshot();
        var gateway = snapshot.Gateways.Single();

        var permitted = GatewaySecrets.Permitted(gateway, snapshot);

        // The grant lets ListenerSets of team-a use certs/shared-cert, so the ListenerSet's reference opens it; the
        // Gateway's own reference to it alone would not (no grant from kind Gateway).
        Assert.Contains(new SecretName("certs", "shared-cert"), permitted);
        Assert.Contains(new SecretName("team-a", "shop-cert"), permitted);
        Assert.Contains(new SecretName("edge", "backend-client"), permitted);
        Assert.DoesNotContain(new SecretName("team-b", "blog-cert"), permitted);
    }

    [Fact]
    public void Permitted_GatewayAloneReferringAcrossNamespacesWithoutGrant_GetsNoAccess()
    {
        var read = ManifestReader.Read("test", Objects[..Objects.IndexOf("---", StringComparison.Ordinal)]);
        var snapshot = ResourceSnapshot.Create(read.Objects);

        var permitted = GatewaySecrets.Permitted(snapshot.Gateways.Single(), snapshot);

        Assert.DoesNotContain(new SecretName("certs", "shared-cert"), permitted);
        Assert.Contains(new SecretName("edge", "www-cert"), permitted);
    }
}
