namespace Portcullis.DataPlane.Tests.Listeners;

using System.Net.Sockets;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Tests.TestSupport;

/// <summary>What ClientCloseWatch takes for a client that has gone, on a real loopback connection.</summary>
public class ClientCloseWatchTests
{
    [Fact]
    public async Task ClientClosed_OpenConnection_WithOrWithoutUnreadBytes_IsFalse()
    {
        var (client, server) = await SocketPair.LoopbackAsync();
        using (client)
        using (server)
        {
            Assert.False(ClientCloseWatch.ClientClosed(server));
            client.Send("GET / HTTP/1.1\r\n\r\n"u8);
            await SocketPair.UntilAsync(() => server.Available > 0);
            Assert.False(ClientCloseWatch.ClientClosed(server));
        }
    }

    [Theory]
    [InlineData("fin", false)]
    [InlineData("fin", true)]
    [InlineData("reset", false)]
    [InlineData("reset", true)]
    public async Task ClientClosed_AfterTheClientsFinOrReset_IsTrue_EvenBehindUnreadBytes(string how, bool unreadBytes)
    {
        var (client, server) = await SocketPair.LoopbackAsync();
        using (client)
        using (server)
        {
            if (unreadBytes)
            {
                client.Send([0x15, 0x03, 0x03, 0x00, 0x13]); // the head of a TLS alert record, as a close_notify starts
            }

            if (how == "fin")
            {
                client.Shutdown(SocketShutdown.Send);
            }
            else
            {
                client.LingerState = new LingerOption(true, 0); // close with a reset
                client.Close();
            }

            await SocketPair.UntilAsync(() => ClientCloseWatch.ClientClosed(server));
            if (unreadBytes && how == "fin")
            {
                Assert.Equal(5, server.Available); // still unread: the FIN was seen behind them
            }
        }
    }

    /// <summary>
    /// A socket getsockopt refuses TCP_INFO for (a Unix-domain socket here; a sandboxed kernel's TCP socket in the
    /// field): the poll answers instead, so a peer's close is still seen and an open socket is not taken for closed.
    /// </summary>
    [Fact]
    public async Task ClientClosed_WhereTcpInfoIsRefused_ThePollAnswers()
    {
        var path = Path.Combine(Path.GetTempPath(), $"portcullis-ccw-{Guid.NewGuid():N}.sock");
        try
        {
            var (client, server) = await SocketPair.ConnectAsync(new UnixDomainSocketEndPoint(path), ProtocolType.Unspecified);
            using var closeClient = client;
            using var closeServer = server;
            Assert.Throws<SocketException>(() => server.GetRawSocketOption(6, 11, new byte[8])); // no TCP_INFO here

            Assert.False(ClientCloseWatch.ClientClosed(server));
            client.Shutdown(SocketShutdown.Send);
            await SocketPair.UntilAsync(() => ClientCloseWatch.ClientClosed(server));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
