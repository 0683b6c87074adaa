namespace Portcullis.FunctionalTests;

using System.Net;
using System.Net.Sockets;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>The harness's own guard against a port race that made CI red once (session 22).</summary>
public sealed class GatewayProcessTests
{
    [Fact]
    public async Task StartAsync_AdminPortTakenByAnOutgoingConnection_StartsAgainOnAnotherPort()
    {
        // What happened in CI: an outgoing connection was given the number the harness had just found free.
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen();
        using var outgoing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await outgoing.ConnectAsync(server.LocalEndPoint!);
        var taken = ((IPEndPoint)outgoing.LocalEndPoint!).Port;

        await using var s = Scenario.Create();
        var ports = new List<int>();
        await using var gateway = await GatewayProcess.StartAsync(s.Config, s.AddressPool, () =>
        {
            var port = ports.Count == 0 ? taken : Network.FreePort();
            ports.Add(port);
            return port;
        });

        Assert.Equal(2, ports.Count);
        Assert.Equal($"http://127.0.0.1:{ports[1]}", gateway.AdminUrl);
        using var client = new HttpClient();
        using var ready = await client.GetAsync(new Uri(gateway.AdminUrl + "/readyz"));
        Assert.True(ready.IsSuccessStatusCode);
    }
}
