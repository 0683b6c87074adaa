namespace Portcullis.Cli.Echo;

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Portcullis.Cli.Admin;

/// <summary>How to run the echo server. A null Address listens on every interface (IPv6 dual-stack where available).</summary>
internal sealed record EchoServerOptions(IPAddress? Address, int HttpPort, int H2cPort, EchoContext Context, TextWriter? RequestLog)
{
    /// <summary>echo-basic's HTTPS port (set when TLS_SERVER_CERT and TLS_SERVER_PRIVKEY are): the backend terminates TLS itself.</summary>
    public EchoHttps? Https { get; init; }
}

/// <summary>An HTTPS endpoint of the echo server and the certificate (with its key) it presents.</summary>
internal sealed record EchoHttps(int Port, X509Certificate2 Certificate)
{
    /// <summary>TLS_CLIENT_CACERTS: when set, clients must present a certificate issued by one of these.</summary>
    public X509Certificate2Collection? ClientCas { get; init; }
}

/// <summary>A running echo app (HTTP or gRPC mode); disposing it stops it.</summary>
internal abstract record RunningEcho(WebApplication App) : IAsyncDisposable
{
    public int? HttpsPort { get; init; }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}

/// <summary>A running echo server and the ports it actually bound (differs from the options when they asked for port 0).</summary>
internal sealed record EchoServerHandle(WebApplication App, int HttpPort, int H2cPort) : RunningEcho(App);

/// <summary>The `portcullis echo` backend: HTTP/1.1 (and WebSocket) on one port, HTTP/2 prior knowledge (h2c) on another, optionally HTTPS on a third.</summary>
internal static class EchoServer
{
    public static async Task<EchoServerHandle> StartAsync(EchoServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = SlimHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.Address, options.HttpPort, HttpProtocols.Http1);

            // A cleartext endpoint that allows only HTTP/2 speaks it with prior knowledge, as echo-basic's h2c port does.
            Listen(kestrel, options.Address, options.H2cPort, HttpProtocols.Http2);
            if (options.Https is { } https)
            {
                Listen(kestrel, options.Address, https.Port, HttpProtocols.Http1AndHttp2, https.Certificate, https.ClientCas);
            }
        });
        var app = builder.Build();
        var handler = new EchoHandler(options.Context, options.RequestLog);

        // echo-basic answers WebSocket upgrades on its HTTP port by echoing every message back (the conformance
        // test HTTPRouteBackendProtocolWebSocket); the middleware only makes the upgrade available to the handler.
        app.UseWebSockets();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var addresses = ServerAddresses.Of(app);
        var httpPort = addresses.Count > 0 ? addresses[0].Port : options.HttpPort;
        var h2cPort = addresses.Count > 1 ? addresses[1].Port : options.H2cPort;
        return new EchoServerHandle(app, httpPort, h2cPort)
        {
            HttpsPort = options.Https is null ? null : addresses.Count > 2 ? addresses[2].Port : options.Https.Port,
        };
    }

    /// <summary>Listens on address:port (every interface when address is null), over TLS with the certificate when there is one.</summary>
    internal static void Listen(KestrelServerOptions kestrel, IPAddress? address, int port, HttpProtocols protocols, X509Certificate2? certificate = null,
        X509Certificate2Collection? clientCas = null)
    {
        void Configure(ListenOptions l)
        {
            l.Protocols = protocols;
            if (certificate is not null)
            {
                l.UseHttps(https =>
                {
                    // A selector rather than ServerCertificate: only then does Kestrel record the SNI (ITlsHandshakeFeature.HostName) that the answer reports.
                    https.ServerCertificateSelector = (_, _) => certificate;
                    if (clientCas is not null)
                    {
                        EchoTls.RequireClientCertificate(https, clientCas);
                    }
                });
            }
        }

        if (address is null)
        {
            kestrel.ListenAnyIP(port, Configure);
        }
        else
        {
            kestrel.Listen(address, port, Configure);
        }
    }
}
