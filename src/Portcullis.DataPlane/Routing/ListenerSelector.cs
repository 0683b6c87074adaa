namespace Portcullis.DataPlane.Routing;

using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>
/// Picks the listener that serves a request and detects misdirected requests (RFC 9110 §15.5.20).
/// </summary>
/// <remarks>
/// On a TLS connection opened with SNI, the request's Host must select the same listener as the
/// SNI did, and the same certificate of that listener; otherwise the connection was reused for a
/// name it was not set up for (HTTP/2 connection coalescing, or a client sending a Host unlike its
/// SNI) and the request is answered 421 so the client retries on a connection of its own. Both
/// choices are made against the tables current for the request, not those of the handshake, so a
/// config or certificate swap never turns in-flight connections into 421s by itself.
/// Without SNI the client asked for no name, so nothing can be misdirected: the Host picks the
/// listener as on a cleartext port, and the certificate is not compared.
/// </remarks>
internal static class ListenerSelector
{
    /// <summary>
    /// What a misdirected request matches: a direct 421, so it is answered like any direct response
    /// and never forwarded.
    /// </summary>
    public static CompiledRoute MisdirectedRoute { get; } = CreateMisdirectedRoute();

    /// <summary>Null when the port has no listener for the request; sets <paramref name="misdirected"/> for a 421.</summary>
    /// <remarks>
    /// A listener must also ask for the same client certificate as the handshake did (Gateway spec.tls.frontend):
    /// otherwise a request without SNI, or one coalesced from a listener of another Gateway on the port, would
    /// reach a listener whose client validation never ran. This holds with or without SNI, and after a change
    /// of the requirement, so connections made under the old one are sent to make new ones.
    /// </remarks>
    public static CompiledListener? ForRequest(PortTable port, GatewayConnectionFeature feature, ReadOnlySpan<char> host, out bool misdirected)
    {
        var listener = ByNames(port, feature, host, out misdirected);
        if (listener is not null && port.IsTls && !ClientCertificatePolicy.SameRequirement(feature.ClientCertificates, listener.ClientCertificates))
        {
            misdirected = true;
            return null;
        }

        return listener;
    }

    private static CompiledListener? ByNames(PortTable port, GatewayConnectionFeature feature, ReadOnlySpan<char> host, out bool misdirected)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(feature);
        misdirected = false;
        var serverName = feature.ServerName;
        if (serverName is null || !port.IsTls)
        {
            return port.SelectListener(host);
        }

        var sniListener = port.SelectListener(serverName);

        // The common case, and a request without Host (HTTP/1.0): nothing to compare.
        if (host.IsEmpty || SameName(host, serverName))
        {
            return sniListener;
        }

        var hostListener = port.SelectListener(host);
        if (!ReferenceEquals(hostListener, sniListener))
        {
            misdirected = true;
            return null;
        }

        var certificates = sniListener?.Certificates;
        if (certificates is not null && certificates.Count > 1
            && !ReferenceEquals(certificates.Select(host), certificates.Select(serverName)))
        {
            misdirected = true;
            return null;
        }

        return sniListener;
    }

    /// <summary>DNS names compare case-insensitively, and "a.example.com." is "a.example.com".</summary>
    internal static bool SameName(ReadOnlySpan<char> a, ReadOnlySpan<char> b) =>
        a.TrimEnd('.').Equals(b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    private static CompiledRoute CreateMisdirectedRoute()
    {
        var action = new RouteAction(EquatableArray<WeightedBackend>.Empty, new DirectResponse(421));
        var route = new RouteConfig(
            "portcullis/misdirected-request",
            "*",
            new PathMatch(PathMatchType.PathPrefix, "/"),
            EquatableArray<HeaderMatch>.Empty,
            EquatableArray<QueryParamMatch>.Empty,
            Method: null,
            action);
        return new CompiledRoute(route, new CompiledAction(action));
    }
}
