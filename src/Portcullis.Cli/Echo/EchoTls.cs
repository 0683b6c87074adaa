namespace Portcullis.Cli.Echo;

using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;

/// <summary>
/// What a TLS request's handshake negotiated (echo-basic's TLSAssertions): the SNI the client sent and the client
/// certificate it presented are how a test proves a gateway re-encrypted to the backend with the right settings.
/// </summary>
internal sealed record EchoTls(string Version, string ServerName, string NegotiatedProtocol, string CipherSuite, IReadOnlyList<string> PeerCertificates)
{
    /// <summary>Null for a cleartext request.</summary>
    public static EchoTls? From(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Features.Get<ITlsHandshakeFeature>() is not { } tls)
        {
            return null;
        }

        return new EchoTls(
            tls.Protocol switch { SslProtocols.Tls13 => "TLSv1.3", SslProtocols.Tls12 => "TLSv1.2", var p => p.ToString() },
            tls.HostName,
            http.Features.Get<ITlsApplicationProtocolFeature>() is { } alpn ? Encoding.ASCII.GetString(alpn.ApplicationProtocol.Span) : "",
            tls.NegotiatedCipherSuite?.ToString() ?? "",
            http.Connection.ClientCertificate is { } peer ? [peer.ExportCertificatePem()] : []);
    }

    /// <summary>
    /// echo-basic's TLS_CLIENT_CACERTS: the HTTPS port then requires a client certificate that chains to one of
    /// these CA certificates (Go's RequireAndVerifyClientCert).
    /// </summary>
    public static void RequireClientCertificate(HttpsConnectionAdapterOptions options, X509Certificate2Collection clientCas)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        options.ClientCertificateValidation = (certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(clientCas);
            return chain.Build(certificate);
        };
    }
}
