using System.Threading.Channels;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Watch;

/// <summary>An open watch: the events for one resource (and namespace, when given), in resourceVersion order.</summary>
internal sealed class WatchSubscription(ResourceKey key, string? ns)
{
    public ResourceKey Key { get; } = key;

    public string? Namespace { get; } = ns;

    public Channel<WatchEvent> Events { get; } = Channel.CreateUnbounded<WatchEvent>();

    public bool Wants(WatchEvent e) => e.Key == Key && (Namespace is null || e.Namespace == Namespace);
}

/// <summary>
/// Bounded event history plus the open watches. Not thread-safe: the store calls it under its lock, so an event
/// reaches every watch in the same order it was committed.
/// </summary>
internal sealed class WatchHub(int capacity)
{
    private readonly Queue<WatchEvent> _history = new();
    private readonly List<WatchSubscription> _subscriptions = [];

    // Every event after this resourceVersion is still in the history; a watch from before it has missed events.
    private long _floor;

    public void Publish(WatchEvent e)
    {
        _history.Enqueue(e);
        while (_history.Count > capacity)
        {
            _floor = _history.Dequeue().ResourceVersion;
        }

        foreach (var subscription in _subscriptions.Where(s => s.Wants(e)))
        {
            subscription.Events.Writer.TryWrite(e);
        }
    }

    /// <summary>Opens a watch that first replays <paramref name="initial"/> (when starting from "now") or the history after <paramref name="fromVersion"/>.</summary>
    public WatchSubscription Subscribe(ResourceKey key, string? ns, long? fromVersion, IEnumerable<WatchEvent> initial)
    {
        var subscription = new WatchSubscription(key, ns);
        if (fromVersion is { } from)
        {
            if (from < _floor)
            {
                throw ApiException.Expired($"too old resource version: {from} ({_floor})");
            }

            initial = _history.Where(e => e.ResourceVersion > from);
        }

        foreach (var e in initial.Where(subscription.Wants))
        {
            subscription.Events.Writer.TryWrite(e);
        }

        _subscriptions.Add(subscription);
        return subscription;
    }

    public void Unsubscribe(WatchSubscription subscription) => _subscriptions.Remove(subscription);

    public void Expire(long currentVersion)
    {
        _history.Clear();
        _floor = currentVersion;
    }

    public void DropAll()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Events.Writer.TryComplete();
        }

        _subscriptions.Clear();
    }
}
