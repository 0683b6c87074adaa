namespace Portcullis.DataPlane.Tests;

using System.Net;
using System.Net.Sockets;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

public class ProxyApplyTests
{
    [Fact]
    public async Task ApplyAsync_SwappingRoutesAndCertificatesUnderLoad_FailsNoRequest()
    {
        await using var blue = await EchoBackend.StartAsync("blue");
        await using var green = await EchoBackend.StartAsync("green");
        await using var proxy = await ProxyFixture.StartAsync();
        var httpPort = FreePort.Find();
        var httpsPort = FreePort.Find();
        TlsCertificate[] certificates =
        [
            TestCertificates.WithSans("default/one", "one", "www.example.com"),
            TestCertificates.WithSans("default/two", "two", "www.example.com"),
        ];
        GatewayConfig ConfigFor(int i)
        {
            var backend = (i % 2 == 0 ? blue : green).Backend();
            return Of(
                Http(httpPort, Route("*", "/", To(backend))),
                Https("default/gw/https", httpsPort, null, [certificates[i % 2]], Route("*", "/", To(backend))));
        }

        Assert.Empty((await proxy.Server.ApplyAsync(ConfigFor(0), CancellationToken.None)).Failures);

        var seenBackends = new HashSet<string>();
        var seenCertificates = new HashSet<string>();
        var failures = new List<string>();
        var requests = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            using var http = ProxyFixture.Client(httpPort);
            while (!stop.IsCancellationRequested)
            {
                // A fresh TLS client per round so new handshakes see certificate swaps.
                using var https = ProxyFixture.Client(httpsPort, name => { lock (seenCertificates) { seenCertificates.Add(name); } }, HttpVersion.Version20);
                foreach (var (client, url) in new[] { (http, $"http://x.test:{httpPort}/"), (https, $"https://www.example.com:{httpsPort}/") })
                {
                    try
                    {
                        var echo = await ProxyFixture.GetEchoAsync(client, url);
                        lock (seenBackends)
                        {
                            seenBackends.Add(echo.Backend);
                        }
                    }
                    catch (Exception ex)
                    {
                        lock (failures)
                        {
                            failures.Add(ex.Message);
                        }
                    }

                    Interlocked.Increment(ref requests);
                }
            }
        });

        for (var i = 1; i <= 20; i++)
        {
            Assert.Empty((await proxy.Server.ApplyAsync(ConfigFor(i), CancellationToken.None)).Failures);
            await Task.Delay(25);
        }

        // Let the load loop observe the final config before stopping it.
        var target = Volatile.Read(ref requests) + 20;
        while (Volatile.Read(ref requests) < target && !load.IsCompleted)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await load;

        Assert.Empty(failures);
        Assert.Equal(["blue", "green"], seenBackends.Order());
        Assert.Equal(["one", "two"], seenCertificates.Order());
    }

    [Fact]
    public async Task ApplyAsync_AddingOnePortAndRemovingAnother_LeavesTheThirdServing()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        int kept = FreePort.Find(), removed = FreePort.Find(), added = FreePort.Find();
        ListenerConfig Listener(string name, int port) => Http($"default/gw/{name}", port, null, Route("*", "/", To(backend.Backend())));

        await proxy.Server.ApplyAsync(Of(Listener("kept", kept), Listener("removed", removed)), CancellationToken.None);
        using var keptClient = ProxyFixture.Client(kept);
        await ProxyFixture.GetEchoAsync(keptClient, $"http://x.test:{kept}/");

        // A request in flight on the kept port while the ports change must complete.
        var inFlight = ProxyFixture.GetEchoAsync(keptClient, $"http://x.test:{kept}/slow?delayMs=300");
        var result = await proxy.Server.ApplyAsync(Of(Listener("kept", kept), Listener("added", added)), CancellationToken.None);

        Assert.Empty(result.Failures);
        Assert.Equal("b", (await inFlight).Backend);
        Assert.Equal("b", (await ProxyFixture.GetEchoAsync(keptClient, $"http://x.test:{kept}/")).Backend);
        using var addedClient = ProxyFixture.Client(added);
        Assert.Equal("b", (await ProxyFixture.GetEchoAsync(addedClient, $"http://x.test:{added}/")).Backend);
        var refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(removed));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task ApplyAsync_RemovingAPort_LetsItsRequestInFlightFinish()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", "/", To(backend.Backend())))), CancellationToken.None);
        using var client = ProxyFixture.Client(port);
        await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/");

        var inFlight = ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/slow?delayMs=500");
        await Task.Delay(100);
        await proxy.Server.ApplyAsync(GatewayConfig.Empty, CancellationToken.None);

        Assert.Equal("/slow", (await inFlight).Path);
        await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(port));
    }

    [Fact]
    public async Task ApplyAsync_AddressAlreadyInUse_ReportsBindFailureAndServesTheOtherPorts()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var taken = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        var free = FreePort.Find();

        var result = await proxy.Server.ApplyAsync(
            Of(
                Http("default/gw/taken", taken, null, Route("*", "/", To(backend.Backend()))),
                Http("default/gw/free", free, null, Route("*", "/", To(backend.Backend())))),
            CancellationToken.None);

        var failure = Assert.Single(result.Failures);
        Assert.Equal(("127.0.0.1", taken, "address already in use"), (failure.Address, failure.Port, failure.Reason));
        Assert.Equal(["default/gw/taken"], failure.Listeners);
        using var client = ProxyFixture.Client(free);
        Assert.Equal("b", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{free}/")).Backend);
    }

    [Fact]
    public async Task ApplyAsync_PortFreedLater_IsBoundOnTheNextApply()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        var config = Of(Http(port, Route("*", "/", To(backend.Backend()))));

        Assert.Single((await proxy.Server.ApplyAsync(config, CancellationToken.None)).Failures);
        squatter.Dispose();
        Assert.Empty((await proxy.Server.ApplyAsync(config, CancellationToken.None)).Failures);

        using var client = ProxyFixture.Client(port);
        Assert.Equal("b", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/")).Backend);
    }

    private static async Task ConnectAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
    }
}
