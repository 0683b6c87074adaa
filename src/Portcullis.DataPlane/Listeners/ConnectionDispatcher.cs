namespace Portcullis.DataPlane.Listeners;

using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.L4;

/// <summary>
/// Turns an accepted socket into a Kestrel connection and hands it to the right virtual endpoint:
/// for TLS ports, after our own handshake (<see cref="TlsSocketConnection"/>), HTTP/1.1 or HTTP/2 by ALPN (or, with
/// <see cref="Tls"/> unset, Kestrel's HTTPS endpoint, which does the handshake); for cleartext ports, h2c when the
/// client opens with the HTTP/2 preface, else HTTP/1.1 (a cleartext Http1AndHttp2 endpoint rejects prior knowledge in
/// .NET 10). Ports with TLS or TCP listeners go to the <see cref="StreamProxy"/> first, which hands back what HTTPS
/// serves.
/// </summary>
internal sealed class ConnectionDispatcher : IDisposable
{
    private static readonly byte[] Http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>A client that has not finished its TLS handshake by then is closed, on our path and on Kestrel's.</summary>
    internal static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    // Clients speak first; one that has said nothing by then is left to HTTP/1.1's own timeouts.
    private static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RestOfPrefaceTimeout = TimeSpan.FromSeconds(1);

    private readonly SocketConnectionContextFactory _factory;
    private readonly ILogger _logger;
    private long _http1Served;
    private long _http1PassedThrough;
    private long _http1HandedOver;

    /// <param name="inlineScheduling">See <see cref="ProxyServerOptions.InlineScheduling"/>.</param>
    public ConnectionDispatcher(VirtualEndPoint https, VirtualEndPoint http1, VirtualEndPoint h2c, ILoggerFactory loggerFactory, bool inlineScheduling = false)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Https = https;
        Http1 = http1;
        H2c = h2c;
        _logger = loggerFactory.CreateLogger<ConnectionDispatcher>();
        _factory = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions { UnsafePreferInlineScheduling = inlineScheduling },
            loggerFactory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
    }

    public VirtualEndPoint Https { get; }

    public VirtualEndPoint Http1 { get; }

    public VirtualEndPoint H2c { get; }

    public VirtualEndPoint TlsHttp1 { get; } = new(VirtualEndPointKind.TlsHttp1);

    public VirtualEndPoint TlsHttp2 { get; } = new(VirtualEndPointKind.TlsHttp2);

    /// <summary>Set: TLS ports are terminated here and served by <see cref="TlsHttp1"/>/<see cref="TlsHttp2"/>; null: by <see cref="Https"/>.</summary>
    public Tls.TlsHandshakeSelector? Tls { get; init; }

    /// <summary>
    /// Set: HTTP/1.1 on TLS ports we terminate is served by <see cref="Http1ServerConnection"/> with this handler
    /// (Kestrel takes a connection at its first request that is not plain); null: by Kestrel (<see cref="TlsHttp1"/>).
    /// </summary>
    public Microsoft.AspNetCore.Http.RequestDelegate? Http1Application { get; set; }

    /// <summary>The waits <see cref="Http1ServerConnection"/> allows a client (ProxyServerOptions.Http1Timeouts).</summary>
    public Http1Timeouts Http1Timeouts { get; init; } = Http1Timeouts.Default;

    /// <summary>Takes the connections of ports with TLS or TCP listeners first; null serves HTTP only.</summary>
    public StreamProxy? Streams { get; init; }

    /// <summary>Runs per connection, off the accept loop.</summary>
    public async Task DispatchAsync(Socket socket, PortListener owner)
    {
        try
        {
            if (Streams is { } streams && streams.Claims(owner.Key) && await streams.TryTakeAsync(socket, owner.Key).ConfigureAwait(false))
            {
                return;
            }

            VirtualEndPoint target;
            var isTls = owner.IsTls;
            if (isTls && Tls is { } tls)
            {
                await TerminateAsync(socket, owner, tls).ConfigureAwait(false);
                return;
            }

            if (isTls)
            {
                target = Https;
            }
            else
            {
                var preface = await PeekPrefaceAsync(socket).ConfigureAwait(false);
                if (preface is null)
                {
                    socket.Dispose(); // Closed before saying anything.
                    return;
                }

                target = preface.Value ? H2c : Http1;
            }

            // Created only after the peek: the connection starts reading the socket immediately.
            var connection = _factory.Create(socket);
            connection.Features.Set(new GatewayConnectionFeature(owner.Key, isTls));
            if (!owner.Track(connection) || !target.TryWrite(connection))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            DataPlaneLog.DispatchFailed(_logger, owner.Key.ToString(), ex);
            socket.Dispose();
        }
    }

    private async Task TerminateAsync(Socket socket, PortListener owner, Tls.TlsHandshakeSelector tls)
    {
        var connection = new TlsSocketConnection(socket);
        var feature = new GatewayConnectionFeature(owner.Key, isTls: true);
        connection.Features.Set(feature);
        if (!owner.Track(connection))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await connection.AuthenticateAsync(tls.OnClientHello, feature, HandshakeTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException
            or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            // Kestrel's HTTPS middleware logs these at Debug too: clients that leave, scanners, a host without a certificate.
            DataPlaneLog.HandshakeFailed(_logger, owner.Key.ToString(), ex);
            await connection.LingerAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }

        var http2 = connection.SslStream.NegotiatedApplicationProtocol == SslApplicationProtocol.Http2;
        if (!http2 && Http1Application is { } application)
        {
            await new Http1ServerConnection(connection, application, _logger, this).RunAsync().ConfigureAwait(false);
            return;
        }

        connection.StartTransport();
        if (!(http2 ? TlsHttp2 : TlsHttp1).TryWrite(connection))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Requests <see cref="Http1ServerConnection"/> served (tests and diagnostics).</summary>
    internal long Http1Served => Interlocked.Read(ref _http1Served);

    /// <summary>Connections <see cref="Http1ServerConnection"/> handed to Kestrel.</summary>
    internal long Http1HandedOver => Interlocked.Read(ref _http1HandedOver);

    internal void CountHttp1Request() => Interlocked.Increment(ref _http1Served);

    /// <summary>Responses <see cref="Http1ServerConnection"/> wrote from the backend's head without a header dictionary (tests and diagnostics).</summary>
    internal long Http1PassedThrough => Interlocked.Read(ref _http1PassedThrough);

    internal void CountHttp1PassThrough() => Interlocked.Increment(ref _http1PassedThrough);

    /// <summary>Kestrel takes an HTTP/1.1 connection from <see cref="Http1ServerConnection"/>, reading <paramref name="replay"/> first.</summary>
    internal bool HandOverHttp1(TlsSocketConnection connection, ReadOnlyMemory<byte> replay)
    {
        Interlocked.Increment(ref _http1HandedOver);
        connection.Features.Set<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeNotificationFeature>(null);
        connection.StartTransport(replay);
        return TlsHttp1.TryWrite(connection);
    }

    /// <summary>True for the HTTP/2 preface, false for anything else, null when the peer closed.</summary>
    internal static async Task<bool?> PeekPrefaceAsync(Socket socket)
    {
        var buffer = new byte[Http2Preface.Length];
        using var timeout = new CancellationTokenSource(FirstBytesTimeout);
        try
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.Peek, timeout.Token).ConfigureAwait(false);
            if (received == 0)
            {
                return null;
            }

            var deadline = DateTime.UtcNow + RestOfPrefaceTimeout;
            while (true)
            {
                if (!buffer.AsSpan(0, received).SequenceEqual(Http2Preface.AsSpan(0, received)))
                {
                    return false;
                }

                if (received == Http2Preface.Length)
                {
                    return true;
                }

                if (DateTime.UtcNow > deadline)
                {
                    return false;
                }

                // A peek returns at once while any data is queued, so wait before looking again.
                await Task.Delay(5, timeout.Token).ConfigureAwait(false);
                received = await socket.ReceiveAsync(buffer, SocketFlags.Peek, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _factory.Dispose();
}
