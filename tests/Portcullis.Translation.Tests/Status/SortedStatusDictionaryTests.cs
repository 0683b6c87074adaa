namespace Portcullis.Translation.Tests.Status;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Status;

public class SortedStatusDictionaryTests
{
    [Fact]
    public void TryCreate_AscendingKeys_LooksUpAndEnumeratesInOrder()
    {
        var map = SortedStatusDictionary<string>.TryCreate([Route("a"), Route("b"), Route("c")], ["A", "B", "C"]);

        Assert.NotNull(map);
        Assert.Equal("B", map[Ref("b")]);
        Assert.False(map.TryGetValue(Ref("d"), out _));
        Assert.Equal(["a", "b", "c"], map.Keys.Select(k => k.Name));
    }

    [Theory]
    [InlineData("b", "a")]
    [InlineData("a", "a")]
    public void TryCreate_KeysNotStrictlyAscending_GivesNothing(string first, string second) =>
        Assert.Null(SortedStatusDictionary<string>.TryCreate([Route(first), Route(second)], ["1", "2"]));

    private static ObjectRef Ref(string name) => new(HttpRoute.KindName, "default", name);

    private static HttpRoute Route(string name) => new() { Kind = HttpRoute.KindName, Metadata = new ObjectMeta { Name = name, Namespace = "default" } };
}
