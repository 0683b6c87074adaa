namespace Portcullis.Cli.Echo;

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Portcullis.Cli.Admin;

/// <summary>
/// How to run the gRPC echo mode. As in echo-basic: cleartext gRPC (h2c, prior knowledge) on HttpPort, and
/// gRPC over TLS on Https only when a certificate and key are given (TLS_SERVER_CERT, TLS_SERVER_PRIV_KEY).
/// </summary>
internal sealed record GrpcEchoOptions(IPAddress? Address, int HttpPort, EchoHttps? Https, EchoContext Context, TextWriter? RequestLog);

/// <summary>A running gRPC echo server; HttpsPort is null without TLS.</summary>
internal sealed record GrpcEchoHandle(WebApplication App, int HttpPort) : RunningEcho(App);

/// <summary>`portcullis echo` with GRPC_ECHO_SERVER set: echo-basic's gRPC mode.</summary>
internal static class GrpcEchoServer
{
    public static async Task<GrpcEchoHandle> StartAsync(GrpcEchoOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = SlimHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            EchoServer.Listen(kestrel, options.Address, options.HttpPort, HttpProtocols.Http2);
            if (options.Https is { } https)
            {
                EchoServer.Listen(kestrel, options.Address, https.Port, HttpProtocols.Http2, https.Certificate);
            }
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(options.Context);
        builder.Services.AddSingleton(_ => new GrpcEchoService(options.Context, options.RequestLog));
        builder.Services.AddSingleton(_ => new EchoStreamService(options.Context));
        var app = builder.Build();
        app.MapGrpcService<GrpcEchoService>();
        app.MapGrpcService<EchoStreamService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var addresses = ServerAddresses.Of(app);
        var httpPort = addresses.Count > 0 ? addresses[0].Port : options.HttpPort;
        return new GrpcEchoHandle(app, httpPort)
        {
            HttpsPort = options.Https is null ? null : addresses.Count > 1 ? addresses[^1].Port : options.Https.Port,
        };
    }
}
