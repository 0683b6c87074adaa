using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Kubernetes.TestServer.Watch;

namespace Portcullis.Kubernetes.TestServer.Storage;

/// <summary>How an update treats status: the main endpoint keeps the stored status (when the resource has the
/// status subresource), /status changes only status, and the test hook writes the object as given.</summary>
internal enum UpdateScope
{
    Main,
    Status,
    Direct,
}

/// <summary>
/// Every object the server holds, one global resourceVersion counter, and the watch history. One lock guards it
/// all, so each write is atomic and its watch event is published in commit order.
/// </summary>
internal sealed partial class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly ResourceRegistry _registry = new();
    private readonly Dictionary<ResourceKey, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly WatchHub _watches;
    private long _version;

    public ObjectStore(int historyCapacity)
    {
        _watches = new WatchHub(historyCapacity);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            EnsureNamespace(ns);
        }
    }

    public ResourceType? Resolve(string group, string version, string plural)
    {
        lock (_gate)
        {
            return _registry.Find(group, version, plural);
        }
    }

    public ResourceType? ResolveKind(string apiVersion, string kind)
    {
        lock (_gate)
        {
            return _registry.FindByKind(apiVersion, kind);
        }
    }

    /// <summary>A consistent copy of the registered resources, for discovery.</summary>
    public IReadOnlyList<ResourceType> Resources()
    {
        lock (_gate)
        {
            return [.. _registry.All];
        }
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return Find(type.Key, ns, name)?.DeepClone().AsObject();
        }
    }

    public (IReadOnlyList<JsonObject> Items, string ResourceVersion) List(ResourceType type, string? ns, Func<JsonObject, bool> filter)
    {
        lock (_gate)
        {
            var items = Bucket(type.Key).Values
                .Where(o => ns is null || ObjectMeta.Namespace(o) == ns)
                .Where(filter)
                .Select(o => o.DeepClone().AsObject())
                .ToList();
            return (items, Format(_version));
        }
    }

    public JsonObject Create(ResourceType type, string? ns, JsonObject obj, UpdateScope scope)
    {
        lock (_gate)
        {
            var metadata = ObjectMeta.Metadata(obj);
            CheckNamespace(type, ns, metadata);
            if (ObjectMeta.Name(obj) is null && (string?)metadata["generateName"] is { } prefix)
            {
                metadata["name"] = prefix + RandomSuffix();
            }

            var name = ObjectMeta.Name(obj);
            ObjectMeta.ValidateName(name, "metadata.name");
            if (Find(type.Key, ns, name!) is not null)
            {
                throw ApiException.AlreadyExists(type, name!);
            }

            if (scope != UpdateScope.Direct && type.HasStatus)
            {
                obj.Remove("status");
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
            metadata["generation"] = 1L;
            Normalize(type, obj);
            if (ns is not null)
            {
                EnsureNamespace(ns);
            }

            return Commit(type, ns, name!, obj, WatchEvent.Added);
        }
    }

    public JsonObject Update(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject> change, UpdateScope scope)
    {
        lock (_gate)
        {
            var current = Find(type.Key, ns, name) ?? throw ApiException.NotFound(type, name);
            var proposed = change(current.DeepClone().AsObject());
            var proposedName = ObjectMeta.Name(proposed);
            if (proposedName != name)
            {
                throw ApiException.BadRequest($"the name of the object ({proposedName}) does not match the name on the URL ({name})");
            }

            if (scope != UpdateScope.Direct && ObjectMeta.ResourceVersion(proposed) is { } expected && expected != ObjectMeta.ResourceVersion(current))
            {
                throw ApiException.Conflict(type, name);
            }

            var next = Merge(type, current, proposed, scope);
            var metadata = ObjectMeta.Metadata(next);
            foreach (var owned in new[] { "uid", "creationTimestamp", "namespace", "name" })
            {
                metadata[owned] = current["metadata"]![owned]?.DeepClone();
            }

            Normalize(type, next);
            metadata["generation"] = ObjectMeta.Generation(current) + (ObjectMeta.SpecChanged(current, next) ? 1 : 0);
            metadata["resourceVersion"] = ObjectMeta.ResourceVersion(current);
            if (JsonNode.DeepEquals(current, next))
            {
                // The real server does not write (nor bump resourceVersion) when nothing changed.
                return current.DeepClone().AsObject();
            }

            return Commit(type, ns, name, next, WatchEvent.Modified, current);
        }
    }

    /// <summary>Deletes the object and then, unless orphaning, every object whose owners are all gone (as the garbage collector would, but at once).</summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, string? expectedVersion, bool orphan)
    {
        lock (_gate)
        {
            var current = Find(type.Key, ns, name) ?? throw ApiException.NotFound(type, name);
            if (expectedVersion is not null && expectedVersion != ObjectMeta.ResourceVersion(current))
            {
                throw ApiException.Conflict(type, name);
            }

            var deleted = Remove(type.Key, current);
            if (!orphan)
            {
                CollectGarbage();
            }

            return deleted;
        }
    }

    public WatchSubscription Watch(ResourceType type, string? ns, string? fromVersion)
    {
        lock (_gate)
        {
            if (fromVersion is null or "" or "0")
            {
                // "Start at most recent": synthetic ADDED events for what exists now, as the real server sends.
                var existing = Bucket(type.Key).Values
                    .OrderBy(o => ParseVersion(ObjectMeta.ResourceVersion(o)))
                    .Select(o => new WatchEvent(ParseVersion(ObjectMeta.ResourceVersion(o)), type.Key, WatchEvent.Added, o.DeepClone().AsObject()))
                    .ToList();
                return _watches.Subscribe(type.Key, ns, null, existing);
            }

            return _watches.Subscribe(type.Key, ns, ParseVersion(fromVersion), []);
        }
    }

    public void Unwatch(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _watches.Unsubscribe(subscription);
        }
    }

    /// <summary>The resourceVersion a bookmark may carry now, or null while events are still queued for this watch.</summary>
    public long? BookmarkVersion(WatchSubscription subscription)
    {
        lock (_gate)
        {
            return subscription.Events.Reader.Count == 0 ? _version : null;
        }
    }

    public void ExpireWatchHistory()
    {
        lock (_gate)
        {
            _watches.Expire(_version);
        }
    }

    public void DropWatches()
    {
        lock (_gate)
        {
            _watches.DropAll();
        }
    }

    public static long ParseVersion(string? version) =>
        long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw ApiException.BadRequest($"invalid resource version \"{version}\"");

    private static string Format(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static string StorageName(string? ns, string name) => $"{ns}/{name}";

    private SortedDictionary<string, JsonObject> Bucket(ResourceKey key)
    {
        if (!_objects.TryGetValue(key, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[key] = bucket;
        }

        return bucket;
    }

    private JsonObject? Find(ResourceKey key, string? ns, string name) =>
        Bucket(key).GetValueOrDefault(StorageName(ns, name));

    private static void CheckNamespace(ResourceType type, string? ns, JsonObject metadata)
    {
        if (!type.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }

        var given = (string?)metadata["namespace"];
        if (given is not null && given != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        metadata["namespace"] = ns;
    }

    private static JsonObject Merge(ResourceType type, JsonObject current, JsonObject proposed, UpdateScope scope)
    {
        switch (scope)
        {
            case UpdateScope.Status:
                var next = current.DeepClone().AsObject();
                SetOrRemove(next, "status", proposed["status"]);
                return next;
            case UpdateScope.Main when type.HasStatus:
                SetOrRemove(proposed, "status", current["status"]);
                return proposed;
            default:
                return proposed;
        }
    }

    private static void SetOrRemove(JsonObject target, string property, JsonNode? value)
    {
        if (value is null)
        {
            target.Remove(property);
        }
        else
        {
            target[property] = value.DeepClone();
        }
    }

    /// <summary>Server-side conversions that happen on every write.</summary>
    private static void Normalize(ResourceType type, JsonObject obj)
    {
        // Stored under one version; readers see the version they asked through (Responses.AsVersion).
        obj["apiVersion"] = type.ApiVersion(type.Versions[0]);
        obj["kind"] = type.Kind;
        if (type.Key == new ResourceKey("", "secrets") && obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? [];
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.ToString() ?? ""));
            }

            obj["data"] = data;
            obj.Remove("stringData");
        }

        if (type.Key == ResourceRegistry.Namespaces)
        {
            obj["status"] ??= new JsonObject { ["phase"] = "Active" };
        }
    }

    private JsonObject Commit(ResourceType type, string? ns, string name, JsonObject obj, string eventType, JsonObject? previous = null)
    {
        if (type.Key == ResourceRegistry.Crds)
        {
            RegisterCrd(obj);
        }

        ObjectMeta.Metadata(obj)["resourceVersion"] = Format(++_version);
        Bucket(type.Key)[StorageName(ns, name)] = obj;
        _watches.Publish(new WatchEvent(_version, type.Key, eventType, obj.DeepClone().AsObject()) { Previous = previous });
        return obj.DeepClone().AsObject();
    }

    private JsonObject Remove(ResourceKey key, JsonObject current)
    {
        Bucket(key).Remove(StorageName(ObjectMeta.Namespace(current), ObjectMeta.Name(current)!));
        ObjectMeta.Metadata(current)["resourceVersion"] = Format(++_version);
        _watches.Publish(new WatchEvent(_version, key, WatchEvent.Deleted, current.DeepClone().AsObject()));
        if (key == ResourceRegistry.Crds)
        {
            // Deleting a CRD deletes its objects and stops serving it.
            var defined = ResourceRegistry.FromCrd(current).Key;
            foreach (var obj in Bucket(defined).Values.ToList())
            {
                Remove(defined, obj);
            }

            _registry.Remove(defined);
        }
        else if (key == ResourceRegistry.Namespaces)
        {
            var ns = ObjectMeta.Name(current);
            foreach (var (bucketKey, bucket) in _objects.ToList())
            {
                foreach (var obj in bucket.Values.Where(o => ObjectMeta.Namespace(o) == ns).ToList())
                {
                    Remove(bucketKey, obj);
                }
            }
        }

        return current.DeepClone().AsObject();
    }

    private void CollectGarbage()
    {
        while (true)
        {
            var live = _objects.Values.SelectMany(b => b.Values).Select(ObjectMeta.Uid).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var orphans = _objects
                .SelectMany(b => b.Value.Values.Select(o => (Key: b.Key, Object: o)))
                .Where(e => ObjectMeta.OwnerUids(e.Object).Any() && !ObjectMeta.OwnerUids(e.Object).Any(live.Contains))
                .ToList();
            if (orphans.Count == 0)
            {
                return;
            }

            foreach (var (key, obj) in orphans)
            {
                if (Find(key, ObjectMeta.Namespace(obj), ObjectMeta.Name(obj)!) is not null)
                {
                    Remove(key, obj);
                }
            }
        }
    }

    private void EnsureNamespace(string ns)
    {
        var namespaces = _registry[ResourceRegistry.Namespaces];
        if (Find(namespaces.Key, null, ns) is not null)
        {
            return;
        }

        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject
            {
                ["name"] = ns,
                ["uid"] = Guid.NewGuid().ToString(),
                ["creationTimestamp"] = ObjectMeta.Timestamp(DateTimeOffset.UtcNow),
                ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns },
            },
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
        };
        Normalize(namespaces, obj);
        Commit(namespaces, null, ns, obj, WatchEvent.Added);
    }

    private static string RandomSuffix()
    {
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Concat(Enumerable.Range(0, 5).Select(_ => Alphabet[Random.Shared.Next(Alphabet.Length)]));
    }
}
