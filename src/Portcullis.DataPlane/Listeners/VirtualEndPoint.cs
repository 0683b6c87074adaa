namespace Portcullis.DataPlane.Listeners;

using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

internal enum VirtualEndPointKind
{
    /// <summary>TLS, HTTP/1.1 and HTTP/2 by ALPN, the handshake in Kestrel's HTTPS middleware (<c>PORTCULLIS_TLS=kestrel</c>).</summary>
    Https,

    /// <summary>HTTP/1.1 on a connection whose TLS handshake we did (<see cref="TlsSocketConnection"/>).</summary>
    TlsHttp1,

    /// <summary>HTTP/2 on a connection whose TLS handshake we did and whose ALPN chose h2.</summary>
    TlsHttp2,

    /// <summary>Cleartext HTTP/1.1.</summary>
    Http1,

    /// <summary>Cleartext HTTP/2 with prior knowledge.</summary>
    H2c,
}

/// <summary>
/// A Kestrel endpoint that is not a socket: Kestrel "binds" it through
/// <see cref="ChannelConnectionListenerFactory"/> and receives the connections our own accept
/// loops push into its channel. This is how ports come and go without touching Kestrel.
/// </summary>
internal sealed class VirtualEndPoint(VirtualEndPointKind kind) : EndPoint
{
    private readonly Channel<ConnectionContext> _channel = Channel.CreateUnbounded<ConnectionContext>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public VirtualEndPointKind Kind { get; } = kind;

    public ChannelReader<ConnectionContext> Reader => _channel.Reader;

    public bool TryWrite(ConnectionContext connection) => _channel.Writer.TryWrite(connection);

    public void Complete() => _channel.Writer.TryComplete();

    public override string ToString() => $"portcullis-{Kind.ToString().ToLowerInvariant()}";
}

/// <summary>Lets Kestrel bind <see cref="VirtualEndPoint"/>s; every other endpoint type goes to the socket transport.</summary>
internal sealed class ChannelConnectionListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is VirtualEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        endpoint is VirtualEndPoint virtualEndPoint
            ? ValueTask.FromResult<IConnectionListener>(new ChannelConnectionListener(virtualEndPoint))
            : throw new NotSupportedException($"{endpoint} is not a Portcullis virtual endpoint.");

    private sealed class ChannelConnectionListener(VirtualEndPoint endpoint) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            try
            {
                return await endpoint.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null; // Null tells Kestrel the listener is done.
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default) =>
            await _unbound.CancelAsync().ConfigureAwait(false);

        public async ValueTask DisposeAsync()
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            _unbound.Dispose();
        }
    }
}
