namespace Portcullis.FunctionalTests.Infrastructure;

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

/// <summary>
/// An HttpClient that sends https://HOST:PORT/ to the gateway's address (like curl --resolve), so the
/// SNI is HOST, and that trusts only the given workshop CA. For load loops where starting curl per
/// request would measure curl rather than the gateway.
/// </summary>
internal static class GatewayClient
{
    public static HttpClient Create(string address, params string[] trustedCaFiles)
    {
        var handler = Handler(address, trustedCaFiles);
        handler.AllowAutoRedirect = false;
        handler.PooledConnectionLifetime = TimeSpan.FromMilliseconds(200); // new connections keep exercising handshakes
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The handler behind <see cref="Create"/>: every connection goes to address, TLS trusts only the given CAs.</summary>
    public static SocketsHttpHandler Handler(string address, params string[] trustedCaFiles)
    {
        var roots = new X509Certificate2Collection();
        foreach (var f in trustedCaFiles)
        {
            roots.Add(X509CertificateLoader.LoadCertificateFromFile(f));
        }

        return new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(address), context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    // Name mismatch is checked by SslStream against the CN here: the workshop certs have no SAN.
                    return chain.Build(leaf) && (errors & ~(SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch)) == 0;
                },
            },
        };
    }
}
