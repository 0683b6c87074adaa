namespace Portcullis.Kubernetes.Tests.Resources;

using System.Text.Json;
using Portcullis.Kubernetes.Resources;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

public class ResourceKindTests
{
    [Fact]
    public void Read_ListItemWithoutTypeFields_TakesApiVersionAndKindFromTheDescriptor()
    {
        using var doc = JsonDocument.Parse("""{"metadata":{"name":"tls","namespace":"default","resourceVersion":"7"},"type":"kubernetes.io/tls","data":{"tls.crt":"QQ=="}}""");

        var secret = Assert.IsType<Secret>(ResourceKinds.Secret.Read(doc.RootElement, "v1"));

        Assert.Equal(("v1", "Secret", "7"), (secret.ApiVersion, secret.Kind, secret.Metadata.ResourceVersion));
        Assert.Equal("A"u8.ToArray(), secret.Get("tls.crt"));
    }

    [Fact]
    public void Read_ConfigMapListItem_IsReadWithDataAndBinaryData()
    {
        using var doc = JsonDocument.Parse("""{"metadata":{"name":"ca","namespace":"default"},"data":{"ca.crt":"PEM"},"binaryData":{"b":"QQ=="}}""");

        var cm = Assert.IsType<ConfigMap>(ResourceKinds.ConfigMap.Read(doc.RootElement, "v1"));

        Assert.Equal(("v1", "ConfigMap"), (cm.ApiVersion, cm.Kind));
        Assert.Equal("PEM"u8.ToArray(), cm.Get("ca.crt"));
        Assert.Equal("A"u8.ToArray(), cm.Get("b"));
        Assert.Contains(ResourceKinds.ConfigMap, ResourceKinds.All);
    }

    [Fact]
    public void Read_FieldsTheModelDoesNotKnow_AreSkipped()
    {
        using var doc = JsonDocument.Parse("""{"metadata":{"name":"g","namespace":"ns","managedFields":[{}]},"spec":{"gatewayClassName":"c","listeners":[],"futureField":1}}""");

        var gateway = Assert.IsType<Gateway>(ResourceKinds.Gateway.Read(doc.RootElement, "v1"));

        Assert.Equal((GatewayApiGroup.V1, "c"), (gateway.ApiVersion, gateway.Spec.GatewayClassName));
    }

    [Fact]
    public void All_ReferenceGrant_FallsBackToV1Beta1()
    {
        Assert.Equal(["v1", "v1beta1"], ResourceKinds.ReferenceGrant.Versions);
        Assert.Equal("type=kubernetes.io/tls", ResourceKinds.Secret.FieldSelector);
        Assert.Equal(ResourceKinds.All.Count, ResourceKinds.All.Select(k => k.Kind).Distinct().Count());
    }
}
