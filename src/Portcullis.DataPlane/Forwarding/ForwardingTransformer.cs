namespace Portcullis.DataPlane.Forwarding;

using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Portcullis.DataPlane.Listeners;
using Portcullis.Ir;
using Yarp.ReverseProxy.Forwarder;

/// <summary>
/// Copies the request as YARP does, then keeps the client's Host and adds X-Forwarded-For,
/// X-Forwarded-Proto and X-Request-Id, which backends use to see the original request.
/// With filters it also applies URLRewrite, the request and response header modifiers (rule's, then
/// the picked backend's) and the CORS response headers. One instance per (route, backend), built with
/// the tables, so a request allocates no transformer.
/// </summary>
internal sealed class ForwardingTransformer : HttpTransformer
{
    public const string ForwardedFor = "X-Forwarded-For";
    public const string ForwardedProto = "X-Forwarded-Proto";
    public const string RequestId = "X-Request-Id";

    private readonly HeaderModifier[] _requestEdits = [];
    private readonly HeaderModifier[] _responseEdits = [];
    private readonly string? _hostRewrite;
    private readonly PathModifier? _pathRewrite;
    private readonly string _matchedPrefix = "";
    private readonly CorsHandler? _cors;

    private ForwardingTransformer()
    {
    }

    /// <param name="filters">Rule-level first, then backend-level; nulls are skipped. A later URLRewrite wins.</param>
    /// <param name="matchedPrefix">The route's PathPrefix value, for ReplacePrefixMatch.</param>
    public ForwardingTransformer(IEnumerable<HttpFilters?> filters, string matchedPrefix, CorsHandler? cors)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var list = filters.OfType<HttpFilters>().ToList();
        _requestEdits = [.. list.Select(f => f.RequestHeaders).OfType<HeaderModifier>()];
        _responseEdits = [.. list.Select(f => f.ResponseHeaders).OfType<HeaderModifier>()];
        foreach (var rewrite in list.Select(f => f.UrlRewrite).OfType<UrlRewrite>())
        {
            _hostRewrite = rewrite.Hostname ?? _hostRewrite;
            _pathRewrite = rewrite.Path ?? _pathRewrite;
        }

        _matchedPrefix = matchedPrefix;
        _cors = cors;
    }

    public static ForwardingTransformer Instance { get; } = new();

    /// <summary>Whether the route changes response headers (modifiers or CORS): its responses are edited in Kestrel's header dictionary.</summary>
    internal bool EditsResponse => _responseEdits.Length > 0 || _cors is not null;

    /// <summary>True when a transformer without filters would do the same.</summary>
    public bool IsPlain => _requestEdits.Length == 0 && _responseEdits.Length == 0 && _hostRewrite is null && _pathRewrite is null && _cors is null;

    /// <summary>The request header modifiers, rule's then backend's, applied after the forwarding headers are added.</summary>
    internal ReadOnlySpan<HeaderModifier> RequestEdits => _requestEdits;

    /// <summary>URLRewrite's hostname: the Host the backend gets instead of the client's.</summary>
    internal string? HostRewrite => _hostRewrite;

    /// <summary>The backend's URI for this request: the destination prefix with the request's path (or URLRewrite's) and query.</summary>
    internal Uri DestinationFor(HttpRequest request, string destinationPrefix)
    {
        if (_pathRewrite is null)
        {
            return DestinationUris.For(destinationPrefix, request.Path, request.QueryString);
        }

        var path = PathRewriter.Apply(_pathRewrite, request.Path.Value ?? "/", _matchedPrefix);
        return RequestUtilities.MakeDestinationAddress(destinationPrefix, new PathString(path), request.QueryString);
    }

    /// <summary>The response header modifiers and CORS headers, once the backend's headers are in the response.</summary>
    internal void EditResponse(HttpContext httpContext)
    {
        foreach (var edit in _responseEdits)
        {
            HeaderEdits.Apply(edit, httpContext.Response.Headers);
        }

        _cors?.AddResponseHeaders(httpContext);
    }

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext,
        HttpRequestMessage proxyRequest,
        string destinationPrefix,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);

        var request = httpContext.Request;
        var incoming = request.Headers;
        if (_hostRewrite is not null)
        {
            proxyRequest.Headers.Host = _hostRewrite;
        }
        else if (request.Host.HasValue && !HostCopiedVerbatim(incoming, request.Host.Value))
        {
            proxyRequest.Headers.Host = request.Host.Value;
        }

        proxyRequest.RequestUri = DestinationFor(request, destinationPrefix);

        // The base copied every incoming header; the outgoing collection is only searched (and edited) for the ones
        // the client actually sent, which a keep-alive client usually does not.
        var client = ClientAddress(httpContext);
        if (client is not null)
        {
            var existing = "";
            if (incoming.TryGetValue(ForwardedFor, out var values))
            {
                existing = values.ToString();
                proxyRequest.Headers.Remove(ForwardedFor);
            }

            proxyRequest.Headers.TryAddWithoutValidation(ForwardedFor, existing.Length == 0 ? client : $"{existing}, {client}");
        }

        if (incoming.ContainsKey(ForwardedProto))
        {
            proxyRequest.Headers.Remove(ForwardedProto);
        }

        proxyRequest.Headers.TryAddWithoutValidation(ForwardedProto, request.IsHttps ? "https" : "http");

        if (!incoming.ContainsKey(RequestId) || !proxyRequest.Headers.Contains(RequestId))
        {
            proxyRequest.Headers.TryAddWithoutValidation(RequestId, NewRequestId());
        }

        foreach (var edit in _requestEdits)
        {
            HeaderEdits.Apply(edit, proxyRequest);
        }
    }

    /// <summary>
    /// A random (version 4) GUID from <see cref="Random.Shared"/>. <see cref="Guid.NewGuid"/> draws from the OS's
    /// cryptographic source, a read of /dev/urandom per request on Linux (one system call of the ~9 a proxied request
    /// makes); a request id needs to be unique, not unpredictable.
    /// </summary>
    internal static string NewRequestId() => NewRequestGuid().ToString();

    /// <summary>The GUID of <see cref="NewRequestId"/> (no string: the direct forwarder formats it into its buffer).</summary>
    internal static Guid NewRequestGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (the high nibble of Guid's third field, little-endian)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }

    /// <summary>
    /// True when the base copied the client's one Host header as it is, the value to send: then setting it again
    /// would only parse and replace it (the common case; HTTP/2's :authority reaches Kestrel's Host header too).
    /// </summary>
    private static bool HostCopiedVerbatim(IHeaderDictionary incoming, string host) =>
        incoming.Host is { Count: 1 } raw && string.Equals(raw.ToString(), host, StringComparison.Ordinal);

    /// <summary>The client's address for X-Forwarded-For, formatted once per connection; null when unknown.</summary>
    internal static string? ClientAddress(HttpContext httpContext)
    {
        var feature = httpContext.Features.Get<GatewayConnectionFeature>();
        if (feature?.ClientAddress is { } cached)
        {
            return cached;
        }

        var ip = httpContext.Connection.RemoteIpAddress;
        if (ip is null)
        {
            return null;
        }

        var formatted = (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
        if (feature is not null)
        {
            feature.ClientAddress = formatted;
        }

        return formatted;
    }

    public override async ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext,
        HttpResponseMessage? proxyResponse,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (proxyResponse is not null)
        {
            EditResponse(httpContext);
        }

        return result;
    }

    /// <summary>
    /// Skips the base's trailer copy when the backend's response cannot have trailers (HTTP/1.x without chunked
    /// transfer coding): the base would look up the trailers feature and create the response's empty trailer
    /// collection for every request. gRPC (HTTP/2) and chunked responses still get their trailers copied.
    /// </summary>
    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proxyResponse);
        return proxyResponse.Version.Major == 1 && !proxyResponse.Headers.NonValidated.Contains("Transfer-Encoding")
            ? default
            : base.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
    }
}
