namespace Portcullis.Translation.Tests.Addressing;

using System.Net;
using Portcullis.Translation.Addressing;

public class AddressPoolTests
{
    [Fact]
    public void Fnv1a_KnownVector_MatchesReference() =>
        Assert.Equal(0xE40C292Cu, AddressPool.Fnv1a("a")); // FNV-1a 32-bit of "a"

    [Fact]
    public void Assign_SameKeyInFreshPools_GivesSameAddress() =>
        Assert.Equal(new AddressPool(IPNetwork.Parse("127.10.10.0/26")).Assign("default/gw"),
            new AddressPool(IPNetwork.Parse("127.10.10.0/26")).Assign("default/gw"));

    [Fact]
    public void Assign_WholePool_NeverHandsOutNetworkAddressAndThenRunsOut()
    {
        var pool = new AddressPool(IPNetwork.Parse("127.20.0.0/30"));
        var given = Enumerable.Range(0, 3).Select(i => pool.Assign($"ns/gw{i}")!.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["127.20.0.1", "127.20.0.2", "127.20.0.3"], given);
        Assert.Null(pool.Assign("ns/gw3"));
    }

    [Fact]
    public void Assign_ReservedAddress_IsSkipped()
    {
        var first = new AddressPool(IPNetwork.Parse("127.10.10.0/26")).Assign("default/gw")!;
        var pool = new AddressPool(IPNetwork.Parse("127.10.10.0/26"));
        pool.Reserve(first);
        Assert.NotEqual(first, pool.Assign("default/gw"));
    }
}
