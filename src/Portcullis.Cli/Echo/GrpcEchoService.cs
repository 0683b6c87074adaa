namespace Portcullis.Cli.Echo;

using System.Security.Authentication;
using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Portcullis.Cli.Echo.Protos;

/// <summary>
/// echo-basic's GrpcEcho: Echo and EchoTwo describe the call (method, metadata, authority, the server's
/// context and, over TLS, the handshake); EchoThree stays unimplemented, so the generated base answers UNIMPLEMENTED.
/// </summary>
internal sealed class GrpcEchoService(EchoContext context, TextWriter? requestLog) : GrpcEcho.GrpcEchoBase
{
    private const string ServiceName = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";

    public override Task<Protos.EchoResponse> Echo(EchoRequest request, ServerCallContext context) => Answer("Echo", context);

    public override Task<Protos.EchoResponse> EchoTwo(EchoRequest request, ServerCallContext context) => Answer("EchoTwo", context);

    private Task<Protos.EchoResponse> Answer(string method, ServerCallContext call)
    {
        var http = call.GetHttpContext();
        var assertions = new Assertions
        {
            FullyQualifiedMethod = $"/{ServiceName}/{method}",
            Authority = http.Request.Host.Value ?? "",
            Context = new Context { Namespace = context.Namespace, Ingress = context.Ingress, ServiceName = context.Service, Pod = context.Pod },
            TlsAssertions = Tls(http),
        };

        // grpc-go's incoming metadata carries :authority among the headers; Kestrel turns it into Host.
        assertions.Headers.Add(new Header { Key = ":authority", Value = assertions.Authority });
        foreach (var (name, values) in http.Request.Headers)
        {
            if (name.StartsWith(':') || string.Equals(name, "host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var value in values)
            {
                assertions.Headers.Add(new Header { Key = name.ToLowerInvariant(), Value = value ?? "" });
            }
        }

        requestLog?.WriteLine($"gRPC {assertions.FullyQualifiedMethod} authority={assertions.Authority}");
        return Task.FromResult(new Protos.EchoResponse { Assertions = assertions, Request = new EchoRequest() });
    }

    private static TLSAssertions? Tls(HttpContext http)
    {
        if (http.Features.Get<ITlsHandshakeFeature>() is not { } tls)
        {
            return null;
        }

        var result = new TLSAssertions
        {
            Version = tls.Protocol switch
            {
                SslProtocols.Tls13 => "TLSv1.3",
                SslProtocols.Tls12 => "TLSv1.2",
                _ => tls.Protocol.ToString(),
            },
            NegotiatedProtocol = http.Features.Get<ITlsApplicationProtocolFeature>() is { } alpn
                ? System.Text.Encoding.ASCII.GetString(alpn.ApplicationProtocol.Span)
                : "",
            ServerName = tls.HostName,
            CipherSuite = tls.NegotiatedCipherSuite?.ToString() ?? "",
        };
        if (http.Connection.ClientCertificate is { } peer)
        {
            result.PeerCertificates.Add(peer.ExportCertificatePem());
        }

        return result;
    }
}

/// <summary>Portcullis's streaming addition: Ticks sends count messages, interval_ms apart.</summary>
internal sealed class EchoStreamService(EchoContext context) : EchoStream.EchoStreamBase
{
    public override async Task Ticks(TickRequest request, IServerStreamWriter<Tick> responseStream, ServerCallContext call)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await Task.Delay(Math.Max(0, request.IntervalMs), call.CancellationToken).ConfigureAwait(false);
            await responseStream.WriteAsync(new Tick { Index = i, Pod = context.Pod }, call.CancellationToken).ConfigureAwait(false);
        }
    }
}
