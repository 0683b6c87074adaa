namespace Portcullis.DataPlane.Forwarding;

using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

/// <summary>
/// Copies the request as YARP does, then keeps the client's Host and adds X-Forwarded-For,
/// X-Forwarded-Proto and X-Request-Id, which backends use to see the original request.
/// </summary>
internal sealed class ForwardingTransformer : HttpTransformer
{
    public const string ForwardedFor = "X-Forwarded-For";
    public const string ForwardedProto = "X-Forwarded-Proto";
    public const string RequestId = "X-Request-Id";

    public static ForwardingTransformer Instance { get; } = new();

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
        if (request.Host.HasValue)
        {
            proxyRequest.Headers.Host = request.Host.Value;
        }

        var clientIp = httpContext.Connection.RemoteIpAddress;
        if (clientIp is not null)
        {
            var client = (clientIp.IsIPv4MappedToIPv6 ? clientIp.MapToIPv4() : clientIp).ToString();
            var existing = request.Headers[ForwardedFor].ToString();
            proxyRequest.Headers.Remove(ForwardedFor);
            proxyRequest.Headers.TryAddWithoutValidation(ForwardedFor, existing.Length == 0 ? client : $"{existing}, {client}");
        }

        proxyRequest.Headers.Remove(ForwardedProto);
        proxyRequest.Headers.TryAddWithoutValidation(ForwardedProto, request.IsHttps ? "https" : "http");

        if (!proxyRequest.Headers.Contains(RequestId))
        {
            proxyRequest.Headers.TryAddWithoutValidation(RequestId, Guid.NewGuid().ToString());
        }
    }
}
