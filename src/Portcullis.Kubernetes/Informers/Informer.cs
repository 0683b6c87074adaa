namespace Portcullis.Kubernetes.Informers;

using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Portcullis.Kubernetes.Resources;
using Portcullis.Model.Core;
using KubernetesObject = Portcullis.Model.Core.KubernetesObject;

/// <summary>
/// Keeps a local copy of every object of one kind: list, then watch from the list's resourceVersion (with
/// bookmarks, so the informer always knows a recent resourceVersion even when nothing changes). When a watch ends
/// (the server's timeout, a dropped connection, a network error) the informer watches again from the last
/// resourceVersion it saw, so nothing is missed and nothing is listed again. Only when the server no longer has
/// that point in its history (410 Gone, as a status or as an ERROR event) or refuses the watch does it list again
/// and diff the result against its copy. Errors back off exponentially.
/// </summary>
internal sealed partial class Informer(IKubernetes client, ResourceKind kind, InformerOptions options, Action changed, ILogger logger)
{
    private ImmutableDictionary<ObjectKey, KubernetesObject> _items = ImmutableDictionary<ObjectKey, KubernetesObject>.Empty;
    private volatile bool _listed;
    private volatile bool _attempted;

    public ResourceKind Kind => kind;

    /// <summary>True once the first list has succeeded (the ready gate).</summary>
    public bool Listed => _listed;

    /// <summary>True once the first list has been answered, successfully or not (403 while a Role is not there yet).</summary>
    public bool Attempted => _attempted;

    /// <summary>The objects as last seen; a consistent copy (the dictionary is swapped whole).</summary>
    public IEnumerable<KubernetesObject> Items => Volatile.Read(ref _items).Values;

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = options.InitialBackoff;
        Position? position = null; // where to resume watching; null: list first
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (position is null)
                {
                    var listed = await ListAsync(ct).ConfigureAwait(false);
                    if (listed is null)
                    {
                        // The cluster does not serve this kind (CRD not installed): look again later.
                        await Task.Delay(options.MaxBackoff, ct).ConfigureAwait(false);
                        continue;
                    }

                    position = listed;
                    backoff = options.InitialBackoff;
                }

                var watch = new WatchRun(position);
                await WatchAsync(watch, ct).ConfigureAwait(false);
                position = watch.Position;
                if (watch.Gone)
                {
                    LogRelist(logger, kind.Kind, watch.EndReason);
                    position = null;
                    continue;
                }

                LogResume(logger, kind.Kind, watch.EndReason, position.ResourceVersion);
                if (watch.Events > 0)
                {
                    backoff = options.InitialBackoff;
                }
                else
                {
                    // A stream that ends at once without an event, again and again, must not become a busy loop.
                    await Task.Delay(backoff, ct).ConfigureAwait(false);
                    backoff = Longer(backoff);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The server answered with an error (not 410): the kind may have gone (CRD deleted) or changed
                // version, so list afresh. A network error keeps the position: the next watch resumes from it.
                if (e is HttpOperationException)
                {
                    position = null;
                }

                if (!_attempted)
                {
                    _attempted = true;
                    changed();
                }

                LogFailed(logger, kind.Kind, backoff.TotalSeconds, e);
                try
                {
                    await Task.Delay(backoff, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = Longer(backoff);
            }
        }
    }

    private TimeSpan Longer(TimeSpan backoff) => TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));

    /// <summary>Lists every object, trying the kind's versions in order; null when none is served.</summary>
    private async Task<Position?> ListAsync(CancellationToken ct)
    {
        foreach (var version in kind.Versions)
        {
            HttpOperationResponse<JsonElement> response;
            try
            {
                response = kind.Namespace is { } ns
                    ? await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
                        kind.Group, version, ns, kind.Plural, fieldSelector: kind.FieldSelector, cancellationToken: ct).ConfigureAwait(false)
                    : await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonElement>(
                        kind.Group, version, kind.Plural, fieldSelector: kind.FieldSelector, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                var apiVersion = kind.ApiVersion(version);
                LogVersionNotServed(logger, apiVersion, kind.Kind);
                continue;
            }

            using (response)
            {
                var list = response.Body;
                var items = ImmutableDictionary.CreateBuilder<ObjectKey, KubernetesObject>();
                if (list.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in array.EnumerateArray())
                    {
                        var obj = kind.Read(item, version);
                        items[ObjectKey.Of(obj)] = obj;
                    }
                }

                var changes = Replace(items.ToImmutable());
                var resourceVersion = ResourceVersionOf(list);
                LogListed(logger, kind.Kind, items.Count, changes, resourceVersion);
                var first = !_listed;
                _listed = true;
                _attempted = true;
                if (changes > 0 || first)
                {
                    changed();
                }

                return new Position(version, resourceVersion);
            }
        }

        // Not served: listed as empty. The first time counts as a change like any first list, or the provider's
        // ready gate, waiting for a signal to look again, would wait for an unrelated event when this kind is
        // the last to finish (a cluster without the TCPRoute CRD, say).
        var firstTime = !_listed;
        _listed = true;
        _attempted = true;
        if (Replace(ImmutableDictionary<ObjectKey, KubernetesObject>.Empty) > 0 || firstTime)
        {
            changed();
        }

        return null;
    }

    /// <summary>Applies watch events until the stream ends, moving <paramref name="watch"/>'s position along.</summary>
    private async Task WatchAsync(WatchRun watch, CancellationToken ct)
    {
        void OnError(Exception e)
        {
            if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
            {
                watch.Gone = true;
            }
            else
            {
                LogWatchEventError(logger, kind.Kind, e);
            }
        }

        var version = watch.Position.Version;
        try
        {
            var timeout = (int)options.WatchTimeout.TotalSeconds;
            var events = kind.Namespace is { } ns
                ? client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                    kind.Group, version, ns, kind.Plural, allowWatchBookmarks: true, fieldSelector: kind.FieldSelector,
                    resourceVersion: watch.Position.ResourceVersion, timeoutSeconds: timeout, onError: OnError, cancellationToken: ct)
                : client.CustomObjects.WatchListClusterCustomObjectAsync(
                    kind.Group, version, kind.Plural, allowWatchBookmarks: true, fieldSelector: kind.FieldSelector,
                    resourceVersion: watch.Position.ResourceVersion, timeoutSeconds: timeout, onError: OnError, cancellationToken: ct);
            await foreach (var (type, raw) in events.ConfigureAwait(false))
            {
                if (raw is not JsonElement element)
                {
                    continue;
                }

                LogEvent(logger, kind.Kind, type);
                var seen = ResourceVersionOf(element);
                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified:
                        Set(kind.Read(element, version));
                        changed();
                        break;
                    case WatchEventType.Deleted:
                        Remove(kind.Read(element, version));
                        changed();
                        break;
                    case WatchEventType.Bookmark:
                        LogBookmark(logger, kind.Kind, seen);
                        break;
                }

                watch.Events++;
                if (!string.IsNullOrEmpty(seen))
                {
                    watch.Position = watch.Position with { ResourceVersion = seen };
                }

                if (watch.Gone)
                {
                    break;
                }
            }
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
        {
            watch.Gone = true;
            watch.EndReason = "the watch was refused with 410 Gone";
            return;
        }

        watch.EndReason = watch.Gone ? "the watch ended with a 410 Gone event" : "the watch stream ended";
    }

    private int Replace(ImmutableDictionary<ObjectKey, KubernetesObject> next)
    {
        var previous = Volatile.Read(ref _items);
        var changes = previous.Keys.Count(k => !next.ContainsKey(k));
        foreach (var (key, obj) in next)
        {
            if (!previous.TryGetValue(key, out var before) || !SameVersion(before, obj))
            {
                changes++;
            }
        }

        Volatile.Write(ref _items, next);
        return changes;
    }

    private void Set(KubernetesObject obj) => Volatile.Write(ref _items, Volatile.Read(ref _items).SetItem(ObjectKey.Of(obj), obj));

    private void Remove(KubernetesObject obj) => Volatile.Write(ref _items, Volatile.Read(ref _items).Remove(ObjectKey.Of(obj)));

    private static bool SameVersion(KubernetesObject a, KubernetesObject b) =>
        a.Metadata.Uid == b.Metadata.Uid && a.Metadata.ResourceVersion == b.Metadata.ResourceVersion;

    private static string? ResourceVersionOf(JsonElement obj) =>
        obj.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String
            ? rv.GetString()
            : null;

    /// <summary>Where a watch starts: the version of the kind the list found served, and a resourceVersion.</summary>
    private sealed record Position(string Version, string? ResourceVersion);

    /// <summary>One watch request's progress.</summary>
    private sealed class WatchRun(Position from)
    {
        public Position Position { get; set; } = from;

        public int Events { get; set; }

        public bool Gone { get; set; }

        public string EndReason { get; set; } = "";
    }

    private readonly record struct ObjectKey(string? Namespace, string Name)
    {
        public static ObjectKey Of(KubernetesObject obj) => new(obj.Metadata.Namespace, obj.Metadata.Name);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "{Kind}: listed {Count} objects ({Changes} changed) at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string kind, int count, int changes, string? resourceVersion);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{Kind}: listing again because {Reason}")]
    private static partial void LogRelist(ILogger logger, string kind, string reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "{Kind}: watching again from resourceVersion {ResourceVersion} because {Reason}")]
    private static partial void LogResume(ILogger logger, string kind, string reason, string? resourceVersion);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Kind}: list/watch failed; retrying in {Seconds} s")]
    private static partial void LogFailed(ILogger logger, string kind, double seconds, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "{ApiVersion} {Kind} is not served by this cluster")]
    private static partial void LogVersionNotServed(ILogger logger, string apiVersion, string kind);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "{Kind}: watch error event")]
    private static partial void LogWatchEventError(ILogger logger, string kind, Exception exception);

    [LoggerMessage(EventId = 107, Level = LogLevel.Trace, Message = "{Kind}: {Type} event")]
    private static partial void LogEvent(ILogger logger, string kind, WatchEventType type);

    [LoggerMessage(EventId = 106, Level = LogLevel.Trace, Message = "{Kind}: bookmark at resourceVersion {ResourceVersion}")]
    private static partial void LogBookmark(ILogger logger, string kind, string? resourceVersion);
}

/// <summary>Timing of list/watch retries.</summary>
public sealed record InformerOptions
{
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Asks the server to end each watch after this long, as client-go does (5-10 minutes). The informer then watches
    /// again from where it was, without a list: the point is only that long-lived connections get spread again
    /// over API server replicas (and a silently dead connection is noticed), not a periodic resync.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
