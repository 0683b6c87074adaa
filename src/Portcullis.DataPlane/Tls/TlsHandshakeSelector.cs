namespace Portcullis.DataPlane.Tls;

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;

/// <summary>
/// Kestrel's per-handshake callback: the connection's port gives the HTTPS listeners, the SNI picks
/// the listener and then its certificate. Both choices are recorded on the connection.
/// </summary>
internal sealed class TlsHandshakeSelector(Func<RoutingTables> tables)
{
    public ValueTask<SslServerAuthenticationOptions> OnConnection(TlsHandshakeCallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var feature = context.Connection.Features.Get<GatewayConnectionFeature>();
        var serverName = context.ClientHelloInfo.ServerName;
        var (listener, certificate) = Select(tables(), feature?.Port, serverName);
        if (certificate is null || feature is null)
        {
            // Throwing fails the handshake; Kestrel logs it and closes the connection.
            throw new AuthenticationException($"No certificate is configured for {feature?.Port.ToString() ?? "this connection"}.");
        }

        feature.ServerName = string.IsNullOrEmpty(serverName) ? null : serverName;
        feature.ClientCertificates = listener?.ClientCertificates;
        try
        {
            // The first handshake that selects a certificate builds its context (once; others wait).
            if (listener?.ClientCertificates is { } clientCertificates)
            {
                return ValueTask.FromResult(clientCertificates.OptionsFor(certificate));
            }

            var options = certificate.ServerOptions;
            certificate.EnsurePinned();
            return ValueTask.FromResult(options);
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
