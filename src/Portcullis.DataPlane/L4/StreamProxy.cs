namespace Portcullis.DataPlane.L4;

using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.Forwarding.Reencrypt;
using Portcullis.DataPlane.Listeners;

/// <summary>
/// Serves connections on ports with TLS or TCP listeners: TCP is spliced to a backend at once; TLS is
/// routed by the SNI of the ClientHello (peeked, not consumed) and either passed through untouched,
/// terminated here and spliced as plaintext, or left to Kestrel when an HTTPS listener serves the name.
/// Spliced connections belong to no port: removing a port (or changing its routes) leaves them running.
/// </summary>
internal sealed class StreamProxy(Func<L4Tables> tables, ILogger logger) : IAsyncDisposable
{
    /// <summary>Envoy's tcp_proxy default: a spliced connection with no byte either way for this long is closed.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    private static readonly TimeSpan ClientHelloTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ConcurrentDictionary<Ir.BackendTls, BackendCertificateVerifier> _verifiers = new();

    /// <summary>Open spliced connections (and those still choosing a backend).</summary>
    public int ConnectionCount => _running.Count;

    /// <summary>How long a spliced connection may pass no byte either way before both sides are closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;

    public bool Claims(PortKey port) => tables().Streams.ContainsKey(port);

    /// <summary>
    /// Takes the connection unless an HTTPS listener should serve it; false means nothing was read and
    /// the caller hands the socket to Kestrel.
    /// </summary>
    public async Task<bool> TryTakeAsync(Socket socket, PortKey port)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!tables().Streams.TryGetValue(port, out var table))
        {
            return false;
        }

        StreamDecision decision;
        string? serverName = null;
        if (table.IsTcp)
        {
            decision = table.ForTcp();
        }
        else
        {
            var hello = await ClientHelloPeek.ReadAsync(socket, ClientHelloTimeout).ConfigureAwait(false);
            serverName = hello.ServerName;

            // Re-read the tables: the connection is routed by the config current when its ClientHello arrived.
            decision = hello.Outcome switch
            {
                ClientHelloOutcome.Hello when tables().Streams.TryGetValue(port, out var current) => current.ForServerName(serverName),
                ClientHelloOutcome.NotTls => table.ForServerName(null) is { Action: StreamAction.Https } https ? https : default,
                _ => default,
            };
        }

        if (decision.Action == StreamAction.Https)
        {
            return false;
        }

        if (decision.Action == StreamAction.Close || decision.Route is null)
        {
            L4Log.Refused(logger, port.ToString(), serverName ?? "");
            socket.Dispose();
            return true;
        }

        Track(ServeAsync(socket, port, decision, serverName));
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ServeAsync(Socket socket, PortKey port, StreamDecision decision, string? serverName)
    {
        // Keep-alive probes find a peer that vanished (host gone, no RST) long before the idle timeout would.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        var client = new SpliceEnd(new NetworkStream(socket, ownsSocket: true), socket);
        SpliceEnd? backend = null;
        try
        {
            if (decision.Action == StreamAction.Terminate)
            {
                client = await TerminateAsync(client, socket, decision, serverName).ConfigureAwait(false);
            }

            var (picked, endpoint) = decision.Route!.PickWithBackend();
            if (endpoint is null)
            {
                L4Log.NoBackend(logger, decision.Route.RouteName);
                return;
            }

            backend = await ConnectAsync(endpoint).ConfigureAwait(false);
            if (backend is null)
            {
                L4Log.BackendUnreachable(logger, decision.Route.RouteName, $"{endpoint.Address}:{endpoint.Port}");
                return;
            }

            // Terminated here and the backend under a BackendTLSPolicy: re-encrypt (passthrough never does: the
            // client's own TLS goes through).
            if (decision.Action == StreamAction.Terminate && picked?.Tls is { } tls)
            {
                var plain = backend;
                backend = null;
                backend = await ReencryptAsync(plain, tls, $"{endpoint.Address}:{endpoint.Port}").ConfigureAwait(false);
            }

            if (await Splice.RunAsync(client, backend, IdleTimeout, _shutdown.Token).ConfigureAwait(false))
            {
                L4Log.IdleClosed(logger, port.ToString(), decision.Route.RouteName, IdleTimeout.TotalSeconds);
            }
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            L4Log.ConnectionFailed(logger, port.ToString(), ex);
        }
        finally
        {
            await client.DisposeAsync().ConfigureAwait(false);
            if (backend is not null)
            {
                await backend.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Completes the handshake with the listener's certificate for the SNI; the plaintext is what gets spliced.</summary>
    private async Task<SpliceEnd> TerminateAsync(SpliceEnd client, Socket socket, StreamDecision decision, string? serverName)
    {
        var certificate = decision.Certificates!.Select(serverName);
        var ssl = new SslStream(client.Stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions { ServerCertificateContext = certificate.ServerOptions.ServerCertificateContext },
                timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new SpliceEnd(ssl, socket);
    }

    /// <summary>
    /// TLS to the backend with the policy's hostname as SNI, its certificate checked as for HTTP backends; a refusal is
    /// logged and ends the connection (the client sees it closed), never a hang.
    /// </summary>
    private async Task<SpliceEnd> ReencryptAsync(SpliceEnd plain, Ir.BackendTls tls, string target)
    {
        var verifier = _verifiers.GetOrAdd(tls, t => new BackendCertificateVerifier(t));
        var refused = new System.Runtime.CompilerServices.StrongBox<string?>();
        var ssl = new SslStream(plain.Stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(verifier.ClientOptions(client: null, alpn: null, refused), timeout.Token).ConfigureAwait(false);
            return plain.Through(ssl);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            BackendTlsLog.HandshakeFailed(logger, target, tls.Sni, tls.Policy, refused.Value ?? e.Message);
            await ssl.DisposeAsync().ConfigureAwait(false);
            await plain.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<SpliceEnd?> ConnectAsync(Ir.Endpoint endpoint)
    {
        if (!IPAddress.TryParse(endpoint.Address, out var address))
        {
            return null;
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), timeout.Token).ConfigureAwait(false);
            return new SpliceEnd(new NetworkStream(socket, ownsSocket: true), socket);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return null;
        }
    }
}
