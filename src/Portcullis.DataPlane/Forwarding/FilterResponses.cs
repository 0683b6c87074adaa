namespace Portcullis.DataPlane.Forwarding;

using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;
using Yarp.ReverseProxy.Forwarder;

/// <summary>The parts of request handling that filters and rule timeouts add, kept out of RequestHandler.</summary>
internal static class FilterResponses
{
    /// <summary>Answers a CORS preflight or a RequestRedirect; false when the request is to be forwarded.</summary>
    public static bool TryAnswer(HttpContext context, CompiledAction action)
    {
        if (action.Cors is { } cors && CorsHandler.IsPreflight(context.Request))
        {
            cors.AnswerPreflight(context);
            return true;
        }

        if (action.Redirect is not { } redirect)
        {
            return false;
        }

        var request = context.Request;
        var listenerPort = context.Features.Get<GatewayConnectionFeature>()?.Port.Port ?? context.Connection.LocalPort;
        var location = RedirectBuilder.Location(redirect, request.IsHttps ? "https" : "http", request.Host.Host, listenerPort,
            request.Path.Value ?? "/", request.QueryString.Value ?? "", action.MatchedPrefix);
        context.Response.StatusCode = redirect.StatusCode;
        context.Response.Headers.Location = location;
        if (action.ResponseEdits is { } edits)
        {
            HeaderEdits.Apply(edits, context.Response.Headers);
        }

        action.Cors?.AddResponseHeaders(context);
        return true;
    }

    /// <summary>
    /// Forwards with a deadline on the whole backend exchange: when it passes before the response has
    /// started, the client gets 504 (after it started, the exchange is cut short).
    /// </summary>
    public static async Task ForwardWithTimeoutAsync(IHttpForwarder forwarder, HttpContext context, CompiledBackend backend,
        string destination, HttpMessageInvoker invoker, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await forwarder.SendAsync(context, destination, invoker, backend.RequestConfig, backend.Transformer, deadline.Token)
            .ConfigureAwait(false);
        if (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            // YARP reports a cancelled exchange as 502; for a rule timeout the spec asks for a timeout error.
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
    }
}
