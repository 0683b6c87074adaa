namespace Portcullis.DataPlane.Forwarding;

using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Portcullis.DataPlane.Routing;
using Portcullis.Ir;

/// <summary>The endpoint a request's session sticks to, and the session's token.</summary>
internal sealed record StickyChoice(CompiledBackend Backend, string Destination, SessionToken Token);

/// <summary>
/// Session persistence of one rule (GEP-1619): finds the endpoint a request's cookie or header names, and gives a new
/// or refreshed session its cookie or header. A session whose endpoint is gone (or that timed out) is not found, so the
/// request is load-balanced by weight and gets a new session. Every backend of the rule counts, weight 0 included: the
/// GEP keeps a session on its backend even when a traffic split has since moved that backend's weight to 0.
/// </summary>
internal sealed class StickySessions
{
    private readonly SessionConfig _config;
    private readonly SessionTokens _tokens;
    private readonly TimeProvider _time;
    private readonly FrozenDictionary<string, (CompiledBackend Backend, string Destination)> _endpoints;

    public StickySessions(SessionConfig config, IEnumerable<CompiledBackend> backends, SessionTokens? tokens = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(backends);
        _config = config;
        _tokens = tokens ?? SessionTokens.Shared;
        _time = time ?? TimeProvider.System;
        var endpoints = new Dictionary<string, (CompiledBackend, string)>(StringComparer.Ordinal);
        foreach (var backend in backends)
        {
            if (backend.Invalid)
            {
                continue;
            }

            foreach (var destination in backend.Destinations)
            {
                endpoints.TryAdd(_tokens.EndpointId(config.Key, backend.Name, destination), (backend, destination));
            }
        }

        _endpoints = endpoints.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The live endpoint of the request's session; null for no session, a foreign or expired one, or a gone endpoint.</summary>
    public StickyChoice? Find(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = _config.Type == SessionType.Cookie ? request.Cookies[_config.Name] : request.Headers[_config.Name].FirstOrDefault();
        if (!_tokens.TryDecode(value, out var token) || !_endpoints.TryGetValue(token.EndpointId, out var endpoint))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var expired = (_config.AbsoluteTimeout is { } absolute && now - token.Issued >= absolute)
            || (_config.IdleTimeout is { } idle && now - token.LastSeen >= idle);
        return expired ? null : new StickyChoice(endpoint.Backend, endpoint.Destination, token);
    }

    /// <summary>
    /// Sends the session to the client when it is new, or when an idle timeout needs its last use moved on. The header
    /// is added when the response starts, after the backend's headers are copied, so neither overwrites the other.
    /// </summary>
    public void Issue(HttpContext context, CompiledBackend backend, string destination, StickyChoice? existing)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ResponseHeader(context.Request, backend, destination, existing) is not { } header)
        {
            return;
        }

        context.Response.OnStarting(static state =>
        {
            var (response, (name, value)) = ((HttpResponse, (string, string)))state;
            response.Headers.Append(name, value);
            return Task.CompletedTask;
        }, (context.Response, header));
    }

    /// <summary>The Set-Cookie or session header to send; null when the client's value is still right.</summary>
    public (string Name, string Value)? ResponseHeader(HttpRequest request, CompiledBackend backend, string destination, StickyChoice? existing)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(backend);
        if (existing is not null && _config.IdleTimeout is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var issued = existing?.Token.Issued ?? now;
        var value = _tokens.Encode(_tokens.EndpointId(_config.Key, backend.Name, destination), issued, now);
        return _config.Type == SessionType.Cookie ? (HeaderNames.SetCookie, Cookie(value, issued, now, request.IsHttps)) : (_config.Name, value);
    }

    /// <summary>
    /// Path=/ as the GEP now requires (a path computed from route matches broke behind path rewrites); HttpOnly and, on
    /// HTTPS, Secure, as it recommends; SameSite=Lax rather than Strict so a session survives arriving from a link.
    /// Max-Age only for a Permanent cookie: a Session cookie ends with the browser session, its timeouts kept by the value.
    /// </summary>
    private string Cookie(string value, DateTimeOffset issued, DateTimeOffset now, bool https)
    {
        var cookie = $"{_config.Name}={value}; Path=/; HttpOnly; SameSite=Lax";
        if (https)
        {
            cookie += "; Secure";
        }

        if (_config.PermanentCookie && _config.AbsoluteTimeout is { } absolute)
        {
            var left = Math.Max(1, (long)Math.Ceiling((absolute - (now - issued)).TotalSeconds));
            cookie += "; Max-Age=" + left.ToString(CultureInfo.InvariantCulture);
        }

        return cookie;
    }
}
