namespace Portcullis.DataPlane.Tests.L4;

using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.DataPlane.L4;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.L4.L4Configs;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

public class StreamPortTableTests
{
    private static readonly WeightedBackend Backend = new("default/b:1", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", 1) });

    [Fact]
    public void ForServerName_ListenerFirstThenRoute_ExactListenerBeatsWildcardListener()
    {
        var table = Build(
            Tls("default/gw/wild", 443, "*.example.com", TlsMode.Passthrough, [], L4Route("*.example.com", Backend)),
            Tls("default/gw/exact", 443, "a.example.com", TlsMode.Passthrough, [], L4Route("a.example.com", Backend)));

        Assert.Equal("default/a.example.com/rule/0", table.ForServerName("a.example.com").Route?.RouteName);
        Assert.Equal("default/*.example.com/rule/0", table.ForServerName("b.example.com").Route?.RouteName);
        Assert.Equal(StreamAction.Close, table.ForServerName("example.org").Action);
        Assert.Equal(StreamAction.Close, table.ForServerName(null).Action);
    }

    [Fact]
    public void ForServerName_NoTlsRouteButHttpsOnThePort_GoesToHttps()
    {
        var table = Build(
            Tls("default/gw/tls", 443, "*.example.com", TlsMode.Passthrough, [], L4Route("a.example.com", Backend)),
            Https("default/gw/https", 443, "www.sample.com", []));

        Assert.Equal(StreamAction.Passthrough, table.ForServerName("a.example.com").Action);
        Assert.Equal(StreamAction.Https, table.ForServerName("www.sample.com").Action);
        Assert.Equal(StreamAction.Https, table.ForServerName("b.example.com").Action);
        Assert.Equal(StreamAction.Https, table.ForServerName(null).Action);
    }

    [Fact]
    public void Build_UdpListener_IsADatagramPortNotAStreamPort()
    {
        var tables = L4TableBuilder.Build(Of(Udp("default/gw/udp", 53, L4Route("*", Backend))), new CertificateStore(), NullLogger.Instance);

        Assert.Empty(tables.Streams);
        Assert.NotNull(tables.Datagrams[new PortKey(System.Net.IPAddress.Loopback, 53)]);
    }

    private static StreamPortTable Build(params ListenerConfig[] listeners) =>
        L4TableBuilder.Build(Of(listeners), new CertificateStore(), NullLogger.Instance).Streams.Values.Single();
}
