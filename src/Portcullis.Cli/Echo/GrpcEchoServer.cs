namespace Portcullis.Cli.Echo;

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Portcullis.Cli.Admin;

/// <summary>
/// How to run the gRPC echo mode. As in echo-basic: cleartext gRPC (h2c, prior knowledge) on HttpPort, and
/// gRPC over TLS on HttpsPort only when both a certificate and a key file are given (TLS_SERVER_CERT, TLS_SERVER_PRIV_KEY).
/// </summary>
internal sealed record GrpcEchoOptions(IPAddress? Address, int HttpPort, int HttpsPort, string? CertificateFile, string? KeyFile,
    EchoContext Context, TextWriter? RequestLog)
{
    public bool ServesTls => !string.IsNullOrEmpty(CertificateFile) && !string.IsNullOrEmpty(KeyFile);
}

/// <summary>A running gRPC echo server; HttpsPort is -1 without TLS, as echo-basic reports it.</summary>
internal sealed record GrpcEchoHandle(WebApplication App, int HttpPort, int HttpsPort) : RunningEcho(App);

/// <summary>`portcullis echo` with GRPC_ECHO_SERVER set: echo-basic's gRPC mode.</summary>
internal static class GrpcEchoServer
{
    public static async Task<GrpcEchoHandle> StartAsync(GrpcEchoOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = options.ServesTls ? X509Certificate2.CreateFromPemFile(options.CertificateFile!, options.KeyFile) : null;
        var builder = SlimHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            EchoServer.Listen(kestrel, options.Address, options.HttpPort, l => l.Protocols = HttpProtocols.Http2);
            if (certificate is not null)
            {
                EchoServer.Listen(kestrel, options.Address, options.HttpsPort, l =>
                {
                    l.Protocols = HttpProtocols.Http2;
                    l.UseHttps(certificate);
                });
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
        var httpsPort = certificate is null ? -1 : addresses.Count > 1 ? addresses[^1].Port : options.HttpsPort;
        return new GrpcEchoHandle(app, httpPort, httpsPort);
    }
}
