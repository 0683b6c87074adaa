namespace Portcullis.DataPlane.Tests.L4;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.DataPlane.Tests.TestSupport;
using static Portcullis.DataPlane.Tests.L4.L4Configs;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

public class UdpSessionTests
{
    [Fact]
    public async Task Session_IdleLongerThanTheTimeout_IsClosedAndTheNextDatagramStartsANewOne()
    {
        await using var dns = DatagramEchoServer.Start("dns");
        await using var server = new ProxyServer(new ProxyServerOptions { UdpIdleTimeout = TimeSpan.FromSeconds(3) }, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        var port = FreePort.Find();
        await server.ApplyAsync(Of(Udp("default/gw/udp", port, L4Route("*", dns.Backend()))), CancellationToken.None);

        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(IPAddress.Loopback, port);
        // The idle timeout is long enough that the session cannot expire between the reply and this check even on
        // a loaded machine (it did with 200 ms in CI); the wait below is a hang guard, not a timing assertion.
        Assert.Equal("dns:a", await ExchangeAsync(client, "a"));
        Assert.Equal(1, server.L4.UdpSessionCount);

        var waited = Stopwatch.StartNew();
        while (server.L4.UdpSessionCount > 0 && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, server.L4.UdpSessionCount);
        Assert.Equal("dns:b", await ExchangeAsync(client, "b"));
    }

    [Fact]
    public async Task Apply_SessionsBackendRemoved_NextDatagramGoesToABackendTheRouteStillHas()
    {
        await using var old = DatagramEchoServer.Start("old");
        await using var replacement = DatagramEchoServer.Start("new");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Udp("default/gw/udp", port, L4Route("*", old.Backend()))), CancellationToken.None);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(IPAddress.Loopback, port);
        Assert.Equal("old:a", await ExchangeAsync(client, "a"));

        // The same client (same source port, so the same session) after the route's backend changed.
        await proxy.Server.ApplyAsync(Of(Udp("default/gw/udp", port, L4Route("*", replacement.Backend()))), CancellationToken.None);

        Assert.Equal("new:b", await ExchangeAsync(client, "b"));
        Assert.Equal(1, proxy.Server.L4.UdpSessionCount);
    }

    [Fact]
    public async Task Apply_SessionsBackendKept_SessionStaysOnIt()
    {
        await using var first = DatagramEchoServer.Start("first");
        await using var second = DatagramEchoServer.Start("second");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Udp("default/gw/udp", port, L4Route("*", first.Backend()))), CancellationToken.None);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(IPAddress.Loopback, port);
        Assert.Equal("first:a", await ExchangeAsync(client, "a"));

        // A new config in which the session's backend is still there (with a second one that new sessions may get).
        await proxy.Server.ApplyAsync(Of(Udp("default/gw/udp", port, L4Route("*", second.Backend(1000), first.Backend(1)))), CancellationToken.None);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"first:{i}", await ExchangeAsync(client, i.ToString(CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public async Task Apply_UdpListenerRemoved_PortIsReleased()
    {
        await using var dns = DatagramEchoServer.Start("dns");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Udp("default/gw/udp", port, L4Route("*", dns.Backend()))), CancellationToken.None);
        Assert.Equal(1, proxy.Server.L4.UdpPortCount);

        await proxy.Server.ApplyAsync(Of(Tcp("default/gw/tcp", port)), CancellationToken.None);

        Assert.Equal(0, proxy.Server.L4.UdpPortCount);
        using var rebind = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.1"), port));
        Assert.Equal(port, ((IPEndPoint)rebind.Client.LocalEndPoint!).Port);
    }

    private static async Task<string> ExchangeAsync(UdpClient client, string message)
    {
        await client.SendAsync(Encoding.UTF8.GetBytes(message));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return Encoding.UTF8.GetString((await client.ReceiveAsync(timeout.Token)).Buffer);
    }
}
