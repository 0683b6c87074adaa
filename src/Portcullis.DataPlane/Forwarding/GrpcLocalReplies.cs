namespace Portcullis.DataPlane.Forwarding;

using Microsoft.AspNetCore.Http;

/// <summary>
/// The gateway's own error answers to gRPC calls (no route, no endpoint, invalid backend, backend unreachable or
/// timed out) as gRPC "trailers-only" responses: HTTP 200, content-type application/grpc, and grpc-status and
/// grpc-message in the one HEADERS frame, as Envoy does and gRPC's PROTOCOL-HTTP2 spec describes. A client then gets
/// the status code the HTTP status stands for (gRPC's http-grpc-status-mapping) and a message saying what the
/// gateway saw, instead of guessing from a bare HTTP status. Backend answers are never touched: they carry a
/// content-type; the gateway's own error answers carry none.
/// </summary>
internal static class GrpcLocalReplies
{
    /// <remarks>
    /// Only gRPC requests get the wrapping async frame; any other request returns <paramref name="next"/>'s task
    /// itself (a heap-allocated state machine and a continuation per forwarded request saved).
    /// </remarks>
    public static RequestDelegate Wrap(RequestDelegate next) => context => IsGrpc(context.Request) ? AnswerAsync(next, context) : next(context);

    private static async Task AnswerAsync(RequestDelegate next, HttpContext context)
    {
        await next(context).ConfigureAwait(false);
        var response = context.Response;
        if (response.HasStarted || response.StatusCode < 400 || response.Headers.ContentType.Count > 0)
        {
            return;
        }

        var status = response.StatusCode;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = GrpcStatusFor(status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = MessageFor(status);
    }

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type
        && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
        && (type.Length == "application/grpc".Length || type["application/grpc".Length] is '+' or ';');

    /// <summary>gRPC's http-grpc-status-mapping.md: the code a client derives from an HTTP status.</summary>
    internal static int GrpcStatusFor(int httpStatus) => httpStatus switch
    {
        400 => 13, // INTERNAL
        401 => 16, // UNAUTHENTICATED
        403 => 7, // PERMISSION_DENIED
        404 => 12, // UNIMPLEMENTED
        429 or 502 or 503 or 504 => 14, // UNAVAILABLE
        _ => 2, // UNKNOWN
    };

    /// <summary>Percent-encoding is what grpc-message requires; these texts are plain ASCII without '%'.</summary>
    private static string MessageFor(int httpStatus) => httpStatus switch
    {
        404 => "no route for this service and method",
        421 => "misdirected request: this connection's certificate does not serve the host",
        502 => "the backend could not be reached",
        503 => "no backend is available for this route",
        504 => "the backend did not answer in time",
        _ => $"the gateway answered HTTP {httpStatus}",
    };
}
