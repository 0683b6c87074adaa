namespace Portcullis.Cli.Tests.Output;

using System.Text.Json.Nodes;
using Portcullis.Cli.Output;
using Portcullis.Cli.Status;

public class TableTests
{
    private static readonly DateTimeOffset Now = new(2025, 8, 4, 15, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(200, "3m20s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 300, "3h5m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(2 * 86400, "2d")]
    [InlineData(2 * 86400 + 4 * 3600, "2d4h")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(3 * 365 * 86400, "3y")]
    [InlineData(3 * 365 * 86400 + 10 * 86400, "3y10d")]
    [InlineData(-1, "0s")]
    [InlineData(-5, "<invalid>")]
    public void HumanAge_Format_MatchesKubectl(long seconds, string expected) =>
        Assert.Equal(expected, HumanAge.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void TableWriter_PadsAllButLastColumnToWidestPlusThreeWithMinimumSix()
    {
        var text = TableWriter.Format(["NAME", "AGE", "X"], [["sni-gateway", "5s", "1"], ["a", "3m", "2"]]);
        Assert.Equal("NAME          AGE   X\nsni-gateway   5s    1\na             3m    2\n", text);
    }

    [Fact]
    public void ResourceTable_Gateways_ShowsKubectlColumns()
    {
        var text = ResourceTable.Format(ResourceType.Gateways, [Gateway()], wide: false, withNamespace: false, Now);
        Assert.Equal(
            "NAME          CLASS                  ADDRESS      PROGRAMMED   AGE\n" +
            "sni-gateway   tigera-gateway-class   127.0.0.10   True         5m\n",
            text);
    }

    [Fact]
    public void ResourceTable_AllNamespacesAndWide_AddNamespaceFirstAndListeners()
    {
        var text = ResourceTable.Format(ResourceType.Gateways, [Gateway()], wide: true, withNamespace: true, Now);
        Assert.Equal(
            "NAMESPACE   NAME          CLASS                  ADDRESS      PROGRAMMED   AGE   LISTENERS\n" +
            "default     sni-gateway   tigera-gateway-class   127.0.0.10   True         5m    http:80,https:443\n",
            text);
    }

    [Fact]
    public void ResourceTable_ConfigMaps_CountDataAndBinaryDataKeys()
    {
        var cm = JsonNode.Parse("""
            {"metadata": {"name": "client-ca", "namespace": "default", "creationTimestamp": "2025-08-04T14:55:00Z"},
             "data": {"ca.crt": "PEM", "other": "x"}, "binaryData": {"b": "QQ=="}}
            """)!.AsObject();

        var text = ResourceTable.Format(ResourceType.Find("cm")!, [cm], wide: false, withNamespace: false, Now);

        Assert.Equal("NAME        DATA   AGE\nclient-ca   3      5m\n", text);
    }

    [Fact]
    public void ResourceTable_HttpRoutes_PrintHostnamesAsJson()
    {
        var route = JsonNode.Parse("""
            {"metadata":{"name":"backend-sni","namespace":"default","creationTimestamp":"2025-08-04T12:00:00Z"},
             "spec":{"hostnames":["www.example.com","www.sample.com"],"parentRefs":[{"name":"sni-gateway"}]},
             "status":{"parents":[{"conditions":[{"type":"Accepted","status":"True"}]}]}}
            """)!.AsObject();
        Assert.Equal(
            "NAME          HOSTNAMES                              AGE\n" +
            "backend-sni   [\"www.example.com\",\"www.sample.com\"]   3h\n",
            ResourceTable.Format(ResourceType.HttpRoutes, [route], wide: false, withNamespace: false, Now));
        Assert.Contains("PARENTS       ACCEPTED", ResourceTable.Format(ResourceType.HttpRoutes, [route], wide: true, withNamespace: false, Now), StringComparison.Ordinal);
    }

    [Fact]
    public void ResourceTable_GatewayClasses_ShowControllerAndAccepted()
    {
        var gc = JsonNode.Parse("""
            {"metadata":{"name":"tigera-gateway-class","creationTimestamp":"2025-08-02T15:00:00Z"},
             "spec":{"controllerName":"portcullis.dev/gateway-controller"},
             "status":{"conditions":[{"type":"Accepted","status":"True"}]}}
            """)!.AsObject();
        Assert.Equal(
            "NAME                   CONTROLLER                          ACCEPTED   AGE\n" +
            "tigera-gateway-class   portcullis.dev/gateway-controller   True       2d\n",
            ResourceTable.Format(ResourceType.GatewayClasses, [gc], wide: false, withNamespace: true, Now));
    }

    internal static JsonObject Gateway() => JsonNode.Parse("""
        {"metadata":{"name":"sni-gateway","namespace":"default","creationTimestamp":"2025-08-04T14:55:00Z"},
         "spec":{"gatewayClassName":"tigera-gateway-class","listeners":[{"name":"http","port":80},{"name":"https","port":443}]},
         "status":{"addresses":[{"type":"IPAddress","value":"127.0.0.10"}],"conditions":[{"type":"Programmed","status":"True"}]}}
        """)!.AsObject();
}
