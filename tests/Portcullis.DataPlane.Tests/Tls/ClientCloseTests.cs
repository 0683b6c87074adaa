namespace Portcullis.DataPlane.Tests.Tls;

using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Portcullis.DataPlane.Tests.Forwarding.Http1;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// A client that closes its HTTPS connection while its request waits for the backend: the proxy gives up the backend
/// call (its connection to the backend closes), whichever code terminates TLS. Kestrel's transport sees the close
/// because it always reads; our own TLS connections read only when Kestrel does, and ClientCloseWatch looks for it.
/// </summary>
public class ClientCloseTests
{
    private static readonly TlsCertificate Certificate = TestCertificates.WithSans("default/www", "www", "www.example.com");

    [Theory]
    [InlineData(true, "close")]
    [InlineData(true, "shutdown")]
    [InlineData(false, "close")]
    public async Task ClientClosesWhileTheBackendThinks_TheBackendConnectionIsClosed(bool ownTls, string how)
    {
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backendClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new RawBackend(async (_, stream) =>
        {
            requested.TrySetResult();
            try
            {
                // Never answers: waits for the proxy to close or to send anything more.
                await stream.ReadExactlyAsync(new byte[1]);
            }
            catch (Exception e) when (e is IOException or EndOfStreamException)
            {
                // Closed or reset: either way the proxy let go.
            }

            backendClosed.TrySetResult();
            return false;
        });
        await using var proxy = await ProxyFixture.StartAsync(ownTls: ownTls);
        var port = FreePort.Find();
        var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });
        await proxy.Server.ApplyAsync(Of(Https("default/gw/https", port, null, [Certificate], Route("*", "/", To(target)))), CancellationToken.None);

        var (tcp, ssl) = await ProxyFixture.ConnectTlsAsync(port, "www.example.com", SslApplicationProtocol.Http11);
        using var closeTcp = tcp;
        await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /slow HTTP/1.1\r\nHost: www.example.com\r\n\r\n"));
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(backendClosed.Task.IsCompleted);

        if (how == "shutdown")
        {
            tcp.Client.Shutdown(SocketShutdown.Send); // FIN, still reading
        }
        else
        {
            await ssl.DisposeAsync(); // FIN without a TLS close_notify, as most clients close
            tcp.Close();
        }

        // ClientCloseWatch looks once a second at connections busy for a second.
        await backendClosed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await ssl.DisposeAsync();
    }
}
