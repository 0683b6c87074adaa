namespace Portcullis.DataPlane.Forwarding;

using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portcullis.Ir;

/// <summary>
/// The CORS filter: answers preflight requests itself and adds the CORS response headers to actual
/// requests from an allowed origin. Origins that are not allowed get no CORS headers (the browser then
/// refuses), which the spec allows instead of 403.
/// </summary>
internal sealed class CorsHandler(CorsPolicy policy)
{
    private readonly string? _methods = Join(policy.AllowMethods);
    private readonly string? _headers = Join(policy.AllowHeaders);
    private readonly string? _expose = Join(policy.ExposeHeaders);
    private readonly string _maxAge = policy.MaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method)
        && request.Headers.ContainsKey(HeaderNames.Origin)
        && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);

    /// <summary>Answers a preflight: 204, with the CORS headers when the origin is allowed.</summary>
    public void AnswerPreflight(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status204NoContent;
        var origin = context.Request.Headers.Origin.ToString();
        if (!IsAllowed(origin))
        {
            return;
        }

        var headers = response.Headers;
        AddOriginHeaders(headers, origin);
        var requestMethod = context.Request.Headers.AccessControlRequestMethod.ToString();
        var methods = _methods == "*" && policy.AllowCredentials ? requestMethod : _methods;
        if (!string.IsNullOrEmpty(methods))
        {
            headers.AccessControlAllowMethods = methods;
        }

        var requestHeaders = context.Request.Headers.AccessControlRequestHeaders.ToString();
        var allowHeaders = _headers == "*" && policy.AllowCredentials ? requestHeaders : _headers;
        if (!string.IsNullOrEmpty(allowHeaders))
        {
            headers.AccessControlAllowHeaders = allowHeaders;
        }

        headers.AccessControlMaxAge = _maxAge;
        AddExposeHeaders(headers); // upstream conformance (HTTPRouteCORS) expects them on preflights too
    }

    /// <summary>Adds the CORS headers of an actual (non-preflight) request's response.</summary>
    public void AddResponseHeaders(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || !IsAllowed(origin))
        {
            return;
        }

        var headers = context.Response.Headers;
        AddOriginHeaders(headers, origin);
        AddExposeHeaders(headers);
    }

    // "*" means "all headers" only without credentials; with credentials it would name a header "*".
    private void AddExposeHeaders(IHeaderDictionary headers)
    {
        if (_expose is not null && !(_expose == "*" && policy.AllowCredentials))
        {
            headers.AccessControlExposeHeaders = _expose;
        }
    }

    /// <summary>"*" allows any origin; "scheme://*.suffix[:port]" any host ending in ".suffix"; else exact.</summary>
    internal bool IsAllowed(string origin)
    {
        if (!TryParseOrigin(origin, out var scheme, out var host, out var port))
        {
            return false;
        }

        foreach (var allowed in policy.AllowOrigins)
        {
            if (allowed == "*")
            {
                return true;
            }

            if (!TryParseOrigin(allowed, out var s, out var h, out var p) || s != scheme || p != port)
            {
                continue;
            }

            if (h == "*" || string.Equals(h, host, StringComparison.OrdinalIgnoreCase)
                || (h.StartsWith('*') && host.EndsWith(h[1..], StringComparison.OrdinalIgnoreCase) && host.Length > h.Length - 1))
            {
                return true;
            }
        }

        return false;
    }

    private void AddOriginHeaders(IHeaderDictionary headers, string origin)
    {
        // Echoing the origin is always allowed and is the only choice with credentials.
        headers.AccessControlAllowOrigin = origin;
        headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        if (policy.AllowCredentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }
    }

    private static bool TryParseOrigin(string origin, out string scheme, out string host, out int port)
    {
        (scheme, host, port) = ("", "", 0);
        var sep = origin.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            return false;
        }

        scheme = origin[..sep].ToLowerInvariant();
        var authority = origin[(sep + 3)..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        var hasPort = colon > 0 && !authority.EndsWith(']') && colon > authority.LastIndexOf(']');
        host = hasPort ? authority[..colon] : authority;
        if (hasPort)
        {
            return int.TryParse(authority.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out port);
        }

        port = scheme switch { "http" => 80, "https" => 443, _ => 0 };
        return host.Length > 0;
    }

    private static string? Join(EquatableArray<string> values) => values.IsEmpty ? null : string.Join(", ", values);
}
