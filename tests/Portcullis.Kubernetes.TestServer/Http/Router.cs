using Microsoft.AspNetCore.Http;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Http;

/// <summary>Sends each request to discovery or to the resource handler and turns failures into metav1.Status bodies.</summary>
internal sealed class Router(ObjectStore store, ResourceHandler resources)
{
    public async Task HandleAsync(HttpContext context, Uri baseAddress)
    {
        try
        {
            var segments = (context.Request.Path.Value ?? "").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (ResourcePath.Parse(segments) is { } path)
            {
                await resources.HandleAsync(context, path).ConfigureAwait(false);
                return;
            }

            if (context.Request.Method != "GET")
            {
                throw Responses.NoSuchResource();
            }

            var document = segments switch
            {
                ["version"] => Discovery.Version(),
                ["api"] => Discovery.CoreVersions(baseAddress.Authority),
                ["api", var version] => Discovery.ResourceList(store.Resources(), "", version),
                ["apis"] => Discovery.GroupList(store.Resources()),
                ["apis", var group] => Discovery.GroupDocument(store.Resources(), group),
                ["apis", var group, var version] => Discovery.ResourceList(store.Resources(), group, version),
                _ => null,
            };
            if (segments is ["healthz" or "livez" or "readyz"])
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            await Responses.WriteJsonAsync(context, 200, document ?? throw Responses.NoSuchResource()).ConfigureAwait(false);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await Responses.WriteErrorAsync(context, e).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // A bug here should read as one in the client's error, not as an empty 500.
            await Responses.WriteErrorAsync(context, new ApiException(500, "InternalError", $"test server bug: {e}")).ConfigureAwait(false);
        }
    }
}
