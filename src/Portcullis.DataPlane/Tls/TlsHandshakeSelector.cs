namespace Portcullis.DataPlane.Tls;

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;

/// <summary>
/// The per-handshake choice (SslStream's callback on the connections we terminate, or Kestrel's): the connection's
/// port gives the HTTPS listeners, the SNI picks the listener and then its certificate. Both choices are recorded on
/// the connection.
/// </summary>
internal sealed class TlsHandshakeSelector(Func<RoutingTables> tables)
{
    /// <summary>Kestrel's HTTPS middleware's callback (<c>PORTCULLIS_TLS=kestrel</c>).</summary>
    public ValueTask<SslServerAuthenticationOptions> OnConnection(TlsHandshakeCallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(OptionsFor(context.Connection.Features.Get<GatewayConnectionFeature>(), context.ClientHelloInfo.ServerName));
    }

    /// <summary>SslStream's callback on connections we terminate ourselves; the state is the connection's feature.</summary>
    public ValueTask<SslServerAuthenticationOptions> OnClientHello(SslStream stream, SslClientHelloInfo clientHello, object? state, CancellationToken cancellationToken) =>
        ValueTask.FromResult(OptionsFor(state as GatewayConnectionFeature, clientHello.ServerName));

    private SslServerAuthenticationOptions OptionsFor(GatewayConnectionFeature? feature, string? serverName)
    {
        var (listener, certificate) = Select(tables(), feature?.Port, serverName);
        if (certificate is null || feature is null)
        {
            // Throwing fails the handshake; the connection is logged and closed.
            throw new AuthenticationException($"No certificate is configured for {feature?.Port.ToString() ?? "this connection"}.");
        }

        feature.ServerName = string.IsNullOrEmpty(serverName) ? null : serverName;
        feature.ClientCertificates = listener?.ClientCertificates;
        try
        {
            // The first handshake that selects a certificate builds its context (once; others wait).
            if (listener?.ClientCertificates is { } clientCertificates)
            {
                return clientCertificates.OptionsFor(certificate);
            }

            var options = certificate.ServerOptions;
            certificate.EnsurePinned();
            return options;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new AuthenticationException($"Certificate {certificate.Name} cannot be loaded: {ex.Message}", ex);
        }
    }

    internal static (CompiledListener? Listener, ServerCertificate? Certificate) Select(RoutingTables tables, PortKey? port, string? serverName)
    {
        if (port is null || !tables.Ports.TryGetValue(port.Value, out var portTable) || !portTable.IsTls)
        {
            return (null, null);
        }

        var listener = portTable.SelectListener(serverName);
        return (listener, listener?.Certificates?.Select(serverName));
    }
}
