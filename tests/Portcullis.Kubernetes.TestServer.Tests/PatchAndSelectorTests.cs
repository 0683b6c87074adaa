using System.Text.Json.Nodes;
using Portcullis.Kubernetes.TestServer.Patching;
using Portcullis.Kubernetes.TestServer.Selectors;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Tests;

public sealed class PatchAndSelectorTests
{
    private static readonly ResourceType Secrets = new("", ["v1"], "secrets", "secret", "Secret", true, false, [], []) { ExtraSelectableFields = ["type"] };

    [Theory]
    [InlineData("""[{"op":"add","path":"/a/-","value":3}]""", """{"a":[1,2,3],"b":{"c~/d":1}}""")]
    [InlineData("""[{"op":"add","path":"/a/0","value":0}]""", """{"a":[0,1,2],"b":{"c~/d":1}}""")]
    [InlineData("""[{"op":"remove","path":"/b/c~0~1d"}]""", """{"a":[1,2],"b":{}}""")]
    [InlineData("""[{"op":"replace","path":"/a/1","value":9}]""", """{"a":[1,9],"b":{"c~/d":1}}""")]
    [InlineData("""[{"op":"move","from":"/a/0","path":"/b/x"}]""", """{"a":[2],"b":{"c~/d":1,"x":1}}""")]
    [InlineData("""[{"op":"copy","from":"/a","path":"/z"}]""", """{"a":[1,2],"b":{"c~/d":1},"z":[1,2]}""")]
    [InlineData("""[{"op":"test","path":"/a/1","value":2},{"op":"add","path":"","value":{"new":true}}]""", """{"new":true}""")]
    public void JsonPatch_Operations_FollowRfc6902(string patch, string expected)
    {
        var result = JsonPatch.Apply(JsonNode.Parse("""{"a":[1,2],"b":{"c~/d":1}}"""), JsonNode.Parse(patch));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), result?.ToJsonString());
    }

    [Theory]
    [InlineData("""[{"op":"remove","path":"/missing"}]""", 422)]
    [InlineData("""[{"op":"replace","path":"/a/5","value":1}]""", 422)]
    [InlineData("""[{"op":"test","path":"/a/0","value":7}]""", 422)]
    [InlineData("""{"op":"add"}""", 400)]
    [InlineData("""[{"op":"frobnicate","path":"/a"}]""", 400)]
    public void JsonPatch_BadOrInapplicable_IsBadRequestOrInvalid(string patch, int code)
    {
        var error = Assert.Throws<ApiException>(() => JsonPatch.Apply(JsonNode.Parse("""{"a":[1,2]}"""), JsonNode.Parse(patch)));

        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void MergePatch_NullRemoves_ObjectsMerge_ListsReplace()
    {
        var result = MergePatch.Apply(JsonNode.Parse("""{"a":{"x":1,"y":2},"l":[1,2],"gone":1}"""), JsonNode.Parse("""{"a":{"y":3},"l":[9],"gone":null}"""));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"x":1,"y":3},"l":[9]}"""), result), result?.ToJsonString());
    }

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier!=db", true)]
    [InlineData("app in (api, web),tier notin (db)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing,app", true)]
    [InlineData("missing=x", false)]
    [InlineData("missing!=x", true)]
    public void LabelSelector_Requirements_MatchAsKubernetesDoes(string selector, bool matches)
    {
        var obj = JsonNode.Parse("""{"metadata":{"name":"n","labels":{"app":"web","tier":"cache"}}}""")!.AsObject();

        Assert.Equal(matches, ObjectFilter.Parse(Secrets, selector, null)(obj));
    }

    [Theory]
    [InlineData("metadata.name=n,type=kubernetes.io/tls", true)]
    [InlineData("metadata.namespace!=default", false)]
    [InlineData("type==Opaque", false)]
    public void FieldSelector_SupportedFields_Match(string selector, bool matches)
    {
        var obj = JsonNode.Parse("""{"metadata":{"name":"n","namespace":"default"},"type":"kubernetes.io/tls"}""")!.AsObject();

        Assert.Equal(matches, ObjectFilter.Parse(Secrets, null, selector)(obj));
    }

    [Fact]
    public void KubeVersionComparer_OrdersGaThenBetaThenAlpha_NewestFirst()
    {
        string[] versions = ["v1alpha1", "v1beta1", "foo", "v1", "v2", "v1beta2", "v2alpha1"];

        Assert.Equal(["v2", "v1", "v1beta2", "v1beta1", "v2alpha1", "v1alpha1", "foo"], versions.Order(KubeVersionComparer.Instance));
    }
}
