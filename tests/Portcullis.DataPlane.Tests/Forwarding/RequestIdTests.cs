namespace Portcullis.DataPlane.Tests.Forwarding;

using Portcullis.DataPlane.Forwarding;

public sealed class RequestIdTests
{
    [Fact]
    public void NewRequestId_Always_IsAVersion4Guid()
    {
        for (var i = 0; i < 1000; i++)
        {
            var id = ForwardingTransformer.NewRequestId();
            Assert.True(Guid.TryParseExact(id, "D", out var guid), id);
            Assert.Equal(4, guid.Version);
            Assert.Contains(id[19], "89ab"); // RFC 4122 variant: the first bits of the fourth group are 10
        }
    }

    [Fact]
    public void NewRequestId_ManyCalls_AreDistinct()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => ForwardingTransformer.NewRequestId()).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(10_000, ids.Count);
    }
}
