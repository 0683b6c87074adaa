using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Portcullis.Kubernetes.TestServer.Storage;
using Portcullis.Kubernetes.TestServer.Watch;

namespace Portcullis.Kubernetes.TestServer.Http;

/// <summary>
/// Serves <c>?watch=true</c>: a chunked application/json stream of one <c>{"type":...,"object":...}</c> line per
/// event. A too-old resourceVersion is an ERROR event carrying a 410 Expired Status inside a 200 stream, as on
/// the real server.
/// </summary>
internal sealed class WatchStreamer(ObjectStore store, TimeSpan bookmarkInterval)
{
    public async Task StreamAsync(HttpContext context, ResourceType type, ResourcePath path, Func<JsonObject, bool> filter)
    {
        var query = context.Request.Query;
        var bookmarks = query["allowWatchBookmarks"] is ["true" or "1"];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(type, path.Namespace, query["resourceVersion"]);
        }
        catch (ApiException e) when (e.Code == 410)
        {
            await StartAsync(context).ConfigureAwait(false);
            await WriteEventAsync(context, WatchEvent.Error, e.ToStatus(), CancellationToken.None).ConfigureAwait(false);
            return;
        }

        try
        {
            await StartAsync(context).ConfigureAwait(false);
            await PumpAsync(context, type, path.Version, filter, subscription, bookmarks, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Timeout or the client went away: the stream just ends.
        }
        finally
        {
            store.Unwatch(subscription);
        }
    }

    private async Task PumpAsync(HttpContext context, ResourceType type, string version, Func<JsonObject, bool> filter,
        WatchSubscription subscription, bool bookmarks, CancellationToken ct)
    {
        var reader = subscription.Events.Reader;
        Task<bool>? pending = null;
        while (true)
        {
            pending ??= reader.WaitToReadAsync(ct).AsTask();
            if (bookmarks && await Task.WhenAny(pending, Task.Delay(bookmarkInterval, ct)).ConfigureAwait(false) != pending)
            {
                ct.ThrowIfCancellationRequested();
                if (store.BookmarkVersion(subscription) is { } at)
                {
                    await WriteEventAsync(context, WatchEvent.Bookmark, Bookmark(type, version, at), ct).ConfigureAwait(false);
                }

                continue;
            }

            var more = await pending.ConfigureAwait(false);
            pending = null;
            if (!more)
            {
                return; // DropWatches completed the channel.
            }

            while (reader.TryRead(out var e))
            {
                if (e.TypeFor(filter) is { } seen)
                {
                    await WriteEventAsync(context, seen, Responses.AsVersion(e.Object, type, version), ct).ConfigureAwait(false);
                }
            }
        }
    }

    private static JsonObject Bookmark(ResourceType type, string version, long at) => new()
    {
        ["kind"] = type.Kind,
        ["apiVersion"] = type.ApiVersion(version),
        ["metadata"] = new JsonObject { ["resourceVersion"] = at.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    private static async Task StartAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteEventAsync(HttpContext context, string type, JsonObject obj, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }
}
