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
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /slow HTTP/1.1\r\nHost: www.example.com\r\n\r\n");

    [Theory]
    [InlineData(true, "close")]
    [InlineData(true, "shutdown")]
    [InlineData(false, "close")]
    public async Task ClientClosesWhileTheBackendThinks_TheBackendConnectionIsClosed(bool ownTls, string how)
    {
        await using var scene = await ThinkingBackend.StartAsync(ownTls);
        var (tcp, ssl) = await ProxyFixture.ConnectTlsAsync(scene.Port, "www.example.com", SslApplicationProtocol.Http11);
        using var closeTcp = tcp;
        await ssl.WriteAsync(Request);
        await scene.RequestedAsync();

        if (how == "shutdown")
        {
            tcp.Client.Shutdown(SocketShutdown.Send); // FIN, still reading
        }
        else
        {
            await ssl.DisposeAsync(); // FIN without a TLS close_notify, as most clients close
            tcp.Close();
        }

        await scene.BackendClosedAsync();
        await ssl.DisposeAsync();
    }

    /// <summary>
    /// curl giving up on a slow answer (--max-time): it ends its TLS session with a close_notify alert before the FIN,
    /// bytes the proxy has not read when it looks for the close.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task CurlGivesUpWhileTheBackendThinks_TheBackendConnectionIsClosed(bool ownTls, bool body)
    {
        await using var scene = await ThinkingBackend.StartAsync(ownTls);
        // 3 s: room for a loaded machine to get the request to the backend before curl gives up.
        string[] args =
        [
            "-sS", "--http1.1", "--cacert", TestCertificates.AuthorityPemFile, "--max-time", "3", "-o", "/dev/null",
            "--resolve", $"www.example.com:{scene.Port}:127.0.0.1", $"https://www.example.com:{scene.Port}/slow",
            .. body ? new[] { "--data-binary", "a body the backend reads whole" } : [],
        ];
        var curl = ProcessRunner.Start("curl", args);
        await scene.RequestedAsync();
        var result = await curl.WaitAsync();
        Assert.True(result.ExitCode == 28, $"curl exited {result.ExitCode} (28: timed out): {result.StdErr}");
        await scene.BackendClosedAsync();
    }

    /// <summary>A client that sends close_notify and then closes, as curl does: the alert is left unread, the close still seen.</summary>
    [Fact]
    public async Task ClientSendsCloseNotifyThenCloses_TheBackendConnectionIsClosed()
    {
        await using var scene = await ThinkingBackend.StartAsync(ownTls: true);
        var (tcp, ssl) = await ProxyFixture.ConnectTlsAsync(scene.Port, "www.example.com", SslApplicationProtocol.Http11);
        using var closeTcp = tcp;
        await ssl.WriteAsync(Request);
        await scene.RequestedAsync();

        await ssl.ShutdownAsync();
        tcp.Close();
        await scene.BackendClosedAsync();
        await ssl.DisposeAsync();
    }

    /// <summary>
    /// The request's TLS record reaches our own TLS in a less usual way: "coalesced" with the client's Finished, so the
    /// handshake's last socket read takes it and no later read brings data; "split" across two writes 200 ms apart, so
    /// the socket read that completes it had to wait (the zero-byte read before it returned on the first half). Either
    /// way the connection is busy from that read, and a close while the backend thinks must still be seen.
    /// </summary>
    [Theory]
    [InlineData("coalesced")]
    [InlineData("split")]
    public async Task ClientClosesAfterARequestReadUnusually_TheBackendConnectionIsClosed(string arrival)
    {
        await using var scene = await ThinkingBackend.StartAsync(ownTls: true);
        ClientWire? wire = null;
        var (tcp, ssl) = await ProxyFixture.ConnectTlsAsync(
            scene.Port, "www.example.com", network => wire = new ClientWire(network, passFirst: arrival == "coalesced" ? 1 : int.MaxValue), SslApplicationProtocol.Http11);
        using var closeTcp = tcp;
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, ssl.SslProtocol); // the client's Finished is its last flight
        if (arrival == "split")
        {
            wire!.SplitNextWrite = TimeSpan.FromMilliseconds(200);
        }

        await ssl.WriteAsync(Request);
        await wire!.ReleaseAsync();
        await scene.RequestedAsync();

        await ssl.DisposeAsync();
        tcp.Close();
        await scene.BackendClosedAsync();
    }

    /// <summary>A proxy on a free port whose only route goes to a backend that takes the request and never answers.</summary>
    private sealed class ThinkingBackend : IAsyncDisposable
    {
        private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private RawBackend? _backend;
        private ProxyFixture? _proxy;

        public int Port { get; private set; }

        public static async Task<ThinkingBackend> StartAsync(bool ownTls)
        {
            var scene = new ThinkingBackend();
            scene._backend = new RawBackend(async (_, stream) =>
            {
                scene._requested.TrySetResult();
                try
                {
                    // Never answers: waits for the proxy to close or to send anything more.
                    await stream.ReadExactlyAsync(new byte[1]);
                }
                catch (Exception e) when (e is IOException or EndOfStreamException)
                {
                    // Closed or reset: either way the proxy let go.
                }

                scene._closed.TrySetResult();
                return false;
            });
            scene._proxy = await ProxyFixture.StartAsync(ownTls: ownTls);
            scene.Port = FreePort.Find();
            var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", scene._backend.Port) });
            await scene._proxy.Server.ApplyAsync(
                Of(Https("default/gw/https", scene.Port, null, [Certificate], Route("*", "/", To(target)))), CancellationToken.None);
            return scene;
        }

        /// <summary>Waits for the request to reach the backend; the backend has not been let go yet.</summary>
        public async Task RequestedAsync()
        {
            await _requested.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(_closed.Task.IsCompleted);
        }

        /// <summary>
        /// Waits for the proxy to close the backend connection. ClientCloseWatch looks once a second at connections busy
        /// for a second, so this takes 1-2 s; the limit is for a close never seen (the backend never answers), not a
        /// timing: 5 s ran out in two of four clean-clone CI runs with a load average of 9-10 (session 16).
        /// </summary>
        public Task BackendClosedAsync() => _closed.Task.WaitAsync(TimeSpan.FromSeconds(15));

        public async ValueTask DisposeAsync()
        {
            if (_proxy is not null)
            {
                await _proxy.DisposeAsync();
            }

            if (_backend is not null)
            {
                await _backend.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The client's socket stream, writing as the test asks: the first <c>passFirst</c> writes go out at once, later
    /// ones wait for <see cref="ReleaseAsync"/> and then leave in one write; <see cref="SplitNextWrite"/> sends the
    /// next write's first half, pauses, then the rest.
    /// </summary>
    private sealed class ClientWire(Stream inner, int passFirst) : Stream
    {
        private readonly MemoryStream _held = new();
        private int _writes;

        public TimeSpan? SplitNextWrite { get; set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public async Task ReleaseAsync()
        {
            passFirst = int.MaxValue;
            if (_held.Length > 0)
            {
                await inner.WriteAsync(_held.ToArray());
                _held.SetLength(0);
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (++_writes > passFirst)
            {
                _held.Write(buffer.Span);
            }
            else if (SplitNextWrite is { } pause)
            {
                SplitNextWrite = null;
                await inner.WriteAsync(buffer[..(buffer.Length / 2)], cancellationToken);
                await Task.Delay(pause, cancellationToken);
                await inner.WriteAsync(buffer[(buffer.Length / 2)..], cancellationToken);
            }
            else
            {
                await inner.WriteAsync(buffer, cancellationToken);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
