namespace Portcullis.DataPlane.Forwarding.Reencrypt;

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Portcullis.Ir;

/// <summary>
/// One connection pool per distinct backend TLS setting (BackendTLSPolicy plus the Gateway's client certificate),
/// kept across config swaps so an unchanged policy keeps its warm connections.
/// </summary>
/// <remarks>
/// The TLS handshake is done in the handler's ConnectCallback and the pool speaks plain HTTP over the
/// resulting stream: SocketsHttpHandler otherwise takes the SNI from the Host header, while the policy's
/// hostname must be the SNI whatever Host the client sent. The ALPN offer follows the request: h2 for
/// HTTP/2 backends (GRPCRoute), http/1.1 otherwise; over h2, <see cref="Http2SchemeRewriter"/> corrects the
/// :scheme the pool writes. ConnectTimeout bounds the handshake, so a backend that
/// never answers it costs a 502, not a hang; every refused certificate is logged with the reason.
/// </remarks>
internal sealed class BackendTlsInvokers(ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<Ir.BackendTls, HttpMessageInvoker> _invokers = new();

    public HttpMessageInvoker For(Ir.BackendTls settings) => _invokers.GetOrAdd(settings, Create);

    public void Dispose()
    {
        foreach (var invoker in _invokers.Values)
        {
            invoker.Dispose();
        }

        _invokers.Clear();
    }

    private HttpMessageInvoker Create(Ir.BackendTls settings)
    {
        var verifier = new BackendCertificateVerifier(settings);
        var client = settings.ClientCertificate is { } c ? LoadClientCertificate(c) : null;
        var handler = BackendHandler.Create();
        handler.ConnectCallback = (context, cancellationToken) => ConnectAsync(context, settings, verifier, client, cancellationToken);
        return new HttpMessageInvoker(handler);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, Ir.BackendTls settings, BackendCertificateVerifier verifier,
        SslStreamCertificateContext? client, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var h2 = context.InitialRequestMessage.Version.Major >= 2;
        var refused = new StrongBox<string?>();
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(
                verifier.ClientOptions(client, h2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11, refused),
                cancellationToken).ConfigureAwait(false);
            if (h2 && ssl.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
            {
                throw new AuthenticationException("the backend did not accept h2 in ALPN");
            }

            // The pool thinks it speaks cleartext: over h2 it would send :scheme http, which Kestrel-based backends refuse.
            return h2 ? new Http2SchemeRewriter(ssl) : ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            var target = $"{endpoint.Host}:{endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            BackendTlsLog.HandshakeFailed(logger, target, settings.Sni, settings.Policy, refused.Value ?? e.Message);
            throw;
        }
    }

    /// <summary>The client certificate with its chain; CreateFromPem takes the first certificate as the leaf.</summary>
    private SslStreamCertificateContext? LoadClientCertificate(TlsCertificate certificate)
    {
        try
        {
            var chainPem = Encoding.ASCII.GetString(certificate.CertificateChainPem.Span);
            var leaf = X509Certificate2.CreateFromPem(chainPem, Encoding.ASCII.GetString(certificate.PrivateKeyPem.Span));
            var rest = new X509Certificate2Collection();
            rest.ImportFromPem(chainPem);
            rest.RemoveAt(0);
            return SslStreamCertificateContext.Create(leaf, rest, offline: true);
        }
        catch (CryptographicException e)
        {
            BackendTlsLog.ClientCertificateUnusable(logger, certificate.Name, e.Message);
            return null;
        }
    }
}

/// <summary>The settings every connection pool to backends shares, plain or TLS.</summary>
internal static class BackendHandler
{
    /// <summary>How long a connection to a backend may take, in SocketsHttpHandler and in our HTTP/1.1 client alike.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long an idle pooled connection to a backend is kept, in both clients.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    public static SocketsHttpHandler Create() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = BackendHandler.ConnectTimeout,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        PooledConnectionIdleTimeout = BackendHandler.IdleTimeout,
    };

    /// <summary>
    /// The pool to cleartext backends: HTTP/1.1 requests take Portcullis's own client (<see cref="Http1.Http1Handler"/>,
    /// 0.81-0.93x the CPU (0.83x over 9 alternated rounds) and half the allocation per keep-alive request, bench/README.md "Session 8: fwd"), everything
    /// else SocketsHttpHandler. PORTCULLIS_H1_CLIENT=sockets sends everything to SocketsHttpHandler, as before.
    /// </summary>
    public static HttpMessageHandler CreatePlain() =>
        Environment.GetEnvironmentVariable("PORTCULLIS_H1_CLIENT") == "sockets" ? Create() : new Http1.Http1Handler(Create());
}

internal static partial class BackendTlsLog
{
    [LoggerMessage(1030, LogLevel.Warning, "TLS to backend {Endpoint} (SNI {Sni}, BackendTLSPolicy {Policy}) failed: {Reason}; the request gets 502")]
    public static partial void HandshakeFailed(ILogger logger, string endpoint, string sni, string policy, string reason);

    [LoggerMessage(1031, LogLevel.Warning, "Backend client certificate {Certificate} cannot be loaded: {Reason}; backends asking for one get none")]
    public static partial void ClientCertificateUnusable(ILogger logger, string certificate, string reason);
}
