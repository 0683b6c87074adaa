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
/// bookmarks, so a resumed watch starts from a recent point). When a watch ends, whether the server dropped it,
/// answered 410 Gone or sent a 410 ERROR event, the informer lists again and diffs the result against its copy,
/// so objects created, changed or deleted while nobody watched are noticed. Errors back off exponentially.
/// </summary>
internal sealed partial class Informer(IKubernetes client, ResourceKind kind, InformerOptions options, Action changed, ILogger logger)
{
    private ImmutableDictionary<ObjectKey, KubernetesObject> _items = ImmutableDictionary<ObjectKey, KubernetesObject>.Empty;
    private volatile bool _listed;

    public ResourceKind Kind => kind;

    /// <summary>True once the first list has succeeded (the ready gate).</summary>
    public bool Listed => _listed;

    /// <summary>The objects as last seen; a consistent copy (the dictionary is swapped whole).</summary>
    public IEnumerable<KubernetesObject> Items => Volatile.Read(ref _items).Values;

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = options.InitialBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var listed = await ListAsync(ct).ConfigureAwait(false);
                backoff = options.InitialBackoff;
                if (listed is null)
                {
                    // The cluster does not serve this kind (CRD not installed): look again later.
                    await Task.Delay(options.MaxBackoff, ct).ConfigureAwait(false);
                    continue;
                }

                var (version, resourceVersion) = listed.Value;
                var reason = await WatchAsync(version, resourceVersion, ct).ConfigureAwait(false);
                LogRelist(logger, kind.Kind, reason);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, kind.Kind, backoff.TotalSeconds, e);
                try
                {
                    await Task.Delay(backoff, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Lists every object, trying the kind's versions in order; null when none is served.</summary>
    private async Task<(string Version, string? ResourceVersion)?> ListAsync(CancellationToken ct)
    {
        foreach (var version in kind.Versions)
        {
            HttpOperationResponse<JsonElement> response;
            try
            {
                response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonElement>(
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
                if (changes > 0 || first)
                {
                    changed();
                }

                return (version, resourceVersion);
            }
        }

        // Not served: listed as empty. The first time counts as a change like any first list, or the provider's
        // ready gate, waiting for a signal to look again, would wait for an unrelated event when this kind is
        // the last to finish (a cluster without the TCPRoute CRD, say).
        var firstTime = !_listed;
        _listed = true;
        if (Replace(ImmutableDictionary<ObjectKey, KubernetesObject>.Empty) > 0 || firstTime)
        {
            changed();
        }

        return null;
    }

    /// <summary>Applies watch events until the stream ends; returns why it ended.</summary>
    private async Task<string> WatchAsync(string version, string? resourceVersion, CancellationToken ct)
    {
        var gone = false;
        void OnError(Exception e)
        {
            if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
            {
                gone = true;
            }
            else
            {
                LogWatchEventError(logger, kind.Kind, e);
            }
        }

        try
        {
            var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
                kind.Group, version, kind.Plural,
                allowWatchBookmarks: true,
                fieldSelector: kind.FieldSelector,
                resourceVersion: resourceVersion,
                timeoutSeconds: (int)options.WatchTimeout.TotalSeconds,
                onError: OnError,
                cancellationToken: ct);
            await foreach (var (type, raw) in events.ConfigureAwait(false))
            {
                if (raw is not JsonElement element)
                {
                    continue;
                }

                LogEvent(logger, kind.Kind, type);
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
                        var bookmark = ResourceVersionOf(element);
                        LogBookmark(logger, kind.Kind, bookmark);
                        break;
                }

                if (gone)
                {
                    break;
                }
            }
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
        {
            return "the watch was refused with 410 Gone";
        }

        return gone ? "the watch ended with a 410 Gone event" : "the watch stream ended";
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

    private readonly record struct ObjectKey(string? Namespace, string Name)
    {
        public static ObjectKey Of(KubernetesObject obj) => new(obj.Metadata.Namespace, obj.Metadata.Name);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "{Kind}: listed {Count} objects ({Changes} changed) at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string kind, int count, int changes, string? resourceVersion);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{Kind}: listing again because {Reason}")]
    private static partial void LogRelist(ILogger logger, string kind, string reason);

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

    /// <summary>Asks the server to end each watch after this long (then the informer lists again), as client-go does with 5-10 minutes.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
