namespace Portcullis.DataPlane.Forwarding;

using System.Globalization;
using Portcullis.Ir;

/// <summary>Builds the Location of a RequestRedirect, with the spec's default-port rules.</summary>
internal static class RedirectBuilder
{
    /// <param name="requestScheme">"http" or "https": the listener's protocol.</param>
    /// <param name="requestHost">The request's host without port.</param>
    /// <param name="listenerPort">The port of the Gateway listener that received the request.</param>
    /// <param name="query">The request's query string, "" or starting with "?"; kept as is.</param>
    /// <param name="matchedPrefix">The route's PathPrefix value, for ReplacePrefixMatch.</param>
    public static string Location(RequestRedirect redirect, string requestScheme, string requestHost, int listenerPort,
        string path, string query, string matchedPrefix)
    {
        ArgumentNullException.ThrowIfNull(redirect);
        var scheme = redirect.Scheme ?? requestScheme;
        var host = redirect.Hostname ?? requestHost;

        // Spec: an explicit port wins; else a scheme change takes that scheme's well-known port; else the
        // listener's port. The port is left out when it is the default of the Location's scheme.
        var port = redirect.Port ?? (redirect.Scheme is not null ? WellKnownPort(scheme) ?? listenerPort : listenerPort);
        var authority = port == WellKnownPort(scheme) ? host : string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
        return $"{scheme}://{authority}{PathRewriter.Apply(redirect.Path, path, matchedPrefix)}{query}";
    }

    private static int? WellKnownPort(string scheme) => scheme switch
    {
        "http" => 80,
        "https" => 443,
        _ => null,
    };
}
