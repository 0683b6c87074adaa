namespace Portcullis.Cli.Tests.Output;

using System.Text.Json.Nodes;
using Portcullis.Cli.Output;

public class JsonPathTemplateTests
{
    private static readonly JsonNode Gateway = JsonNode.Parse("""
        {
          "apiVersion": "gateway.networking.k8s.io/v1",
          "kind": "Gateway",
          "metadata": { "name": "sni-gateway", "namespace": "default", "labels": { "app.kubernetes.io/name": "x" } },
          "spec": { "listeners": [ { "name": "http", "port": 80 }, { "name": "https", "port": 443 } ] },
          "status": {
            "addresses": [ { "type": "IPAddress", "value": "127.0.0.10" } ],
            "conditions": [
              { "type": "Accepted", "status": "True" },
              { "type": "Programmed", "status": "False" }
            ]
          }
        }
        """)!;

    private static string Render(string template, JsonNode? data = null) => JsonPathTemplate.Parse(template).Render(data ?? Gateway);

    [Fact]
    public void Render_WorkshopAddressExpression_PrintsBareValueWithoutNewline() =>
        Assert.Equal("127.0.0.10", Render("{.status.addresses[0].value}"));

    [Fact]
    public void Render_MissingField_PrintsNothing()
    {
        Assert.Equal("", Render("{.status.nothing.here}"));
        Assert.Equal("", Render("{.status.addresses[5].value}"));
    }

    [Fact]
    public void Render_NegativeIndex_CountsFromTheEnd() =>
        Assert.Equal("https", Render("{.spec.listeners[-1].name}"));

    [Fact]
    public void Render_Filter_SelectsConditionsByType()
    {
        Assert.Equal("False", Render("{.status.conditions[?(@.type==\"Programmed\")].status}"));
        Assert.Equal("Accepted", Render("{.status.conditions[?(@.status!='False')].type}"));
        Assert.Equal("https", Render("{.spec.listeners[?(@.port==443)].name}"));
    }

    [Fact]
    public void Render_RangeWithStringLiteral_RepeatsBodyPerItem() =>
        Assert.Equal("http=80\nhttps=443\n", Render("{range .spec.listeners[*]}{.name}={.port}{\"\\n\"}{end}"));

    [Fact]
    public void Render_WildcardOverSeveralResults_SeparatesWithSpace() =>
        Assert.Equal("http https", Render("{.spec.listeners[*].name}"));

    [Fact]
    public void Render_ObjectsAndArrays_PrintAsCompactJson() =>
        Assert.Equal("[{\"type\":\"IPAddress\",\"value\":\"127.0.0.10\"}]", Render("{.status.addresses}"));

    [Fact]
    public void Render_TextAroundExpressions_IsKept() =>
        Assert.Equal("name: sni-gateway!", Render("name: {.metadata.name}!"));

    [Fact]
    public void Render_BracketFieldAndEscapedDot_ReachKeysWithDots()
    {
        Assert.Equal("x", Render("{.metadata.labels['app.kubernetes.io/name']}"));
        Assert.Equal("x", Render("{.metadata.labels.app\\.kubernetes\\.io/name}"));
    }

    [Fact]
    public void Render_RecursiveDescent_FindsFieldsAtAnyDepth() =>
        Assert.Equal("80 443", Render("{..port}"));

    [Fact]
    public void Render_RootInsideRange_RefersToDocument() =>
        Assert.Equal("sni-gateway/http sni-gateway/https ", Render("{range .spec.listeners[*]}{$.metadata.name}/{.name} {end}"));

    [Fact]
    public void Parse_UnclosedAction_Throws() =>
        Assert.Throws<FormatException>(() => JsonPathTemplate.Parse("{.status"));

    [Fact]
    public void Parse_RangeWithoutEnd_Throws() =>
        Assert.Throws<FormatException>(() => JsonPathTemplate.Parse("{range .items[*]}{.x}"));
}
