namespace Portcullis.Translation.Caching;

using Portcullis.Model;
using Portcullis.Model.Core;

/// <summary>
/// The lookups <see cref="SnapshotIndex"/> makes by namespace and name (Secrets, ConfigMaps, Services, Namespaces, and
/// EndpointSlices by Service). With a cache they are kept from one snapshot to the next and brought up to date by walking
/// the previous and the new list side by side (both sorted by namespace and name, as ResourceSnapshot keeps them): only
/// objects that are not the same ones touch the tables, instead of 30,000 entries being indexed again for one change.
/// </summary>
internal sealed class SnapshotTables
{
    public ObjectTable<Secret> Secrets { get; } = new();

    public ObjectTable<ConfigMap> ConfigMaps { get; } = new();

    public ObjectTable<Service> Services { get; } = new();

    public ObjectTable<Namespace> Namespaces { get; } = new();

    /// <summary>
    /// Each Service's EndpointSlices, in snapshot order. A Service's list is replaced, never changed, when one of its slices
    /// changes: what a cached result read (<see cref="SnapshotReads"/>) keeps the list it got.
    /// </summary>
    public Dictionary<(string Ns, string Service), List<EndpointSlice>> Slices { get; } = [];

    private IReadOnlyList<EndpointSlice> _slices = [];

    public void Update(ResourceSnapshot snapshot)
    {
        Secrets.Update(snapshot.Secrets);
        ConfigMaps.Update(snapshot.ConfigMaps);
        Services.Update(snapshot.Services);
        Namespaces.Update(snapshot.Namespaces);
        UpdateSlices(snapshot.EndpointSlices);
    }

    private void UpdateSlices(IReadOnlyList<EndpointSlice> now)
    {
        if (ReferenceEquals(now, _slices))
        {
            return;
        }

        var changed = new HashSet<(string, string)>();
        if (_slices.Count == 0 || !ObjectTable<EndpointSlice>.Walk(_slices, now, (removed, added) => Touch(changed, removed, added)))
        {
            // The first snapshot, or a list not sorted: grouped afresh, as without a cache.
            Slices.Clear();
            foreach (var slice in now)
            {
                if (Key(slice) is { } key)
                {
                    if (!Slices.TryGetValue(key, out var list))
                    {
                        Slices[key] = list = [];
                    }

                    list.Add(slice);
                }
            }

            _slices = now;
            return;
        }

        if (changed.Count > 0)
        {
            // Rebuilt from the snapshot in its order: a few changed Services cost one pass, not a dictionary of all of them.
            var lists = new Dictionary<(string, string), List<EndpointSlice>>();
            foreach (var slice in now)
            {
                if (Key(slice) is { } key && changed.Contains(key))
                {
                    if (!lists.TryGetValue(key, out var list))
                    {
                        lists[key] = list = [];
                    }

                    list.Add(slice);
                }
            }

            foreach (var key in changed)
            {
                if (lists.TryGetValue(key, out var list))
                {
                    Slices[key] = list;
                }
                else
                {
                    Slices.Remove(key);
                }
            }
        }

        _slices = now;
    }

    private static void Touch(HashSet<(string, string)> changed, EndpointSlice? removed, EndpointSlice? added)
    {
        if (removed is not null && Key(removed) is { } was)
        {
            changed.Add(was);
        }

        if (added is not null && Key(added) is { } key)
        {
            changed.Add(key);
        }
    }

    private static (string, string)? Key(EndpointSlice slice) =>
        slice.ServiceName is { } service ? (slice.Metadata.Namespace ?? "", service) : null;
}

/// <summary>Objects of one kind by namespace and name; a later duplicate of a key wins, as in a fresh index.</summary>
internal sealed class ObjectTable<T>
    where T : KubernetesObject
{
    private readonly Dictionary<(string Ns, string Name), T> _byName = [];
    private IReadOnlyList<T> _source = [];

    public T? Get(string ns, string name) => _byName.GetValueOrDefault((ns, name));

    public void Update(IReadOnlyList<T> now)
    {
        if (ReferenceEquals(now, _source))
        {
            return;
        }

        if (_source.Count == 0 || !Walk(_source, now, Changed))
        {
            // The first snapshot, or a list not sorted or with a key twice: indexed afresh, as without a cache.
            _byName.Clear();
            foreach (var o in now)
            {
                _byName[(o.Metadata.Namespace ?? "", o.Metadata.Name)] = o;
            }
        }

        _source = now;
    }

    private void Changed(T? removed, T? added)
    {
        if (added is not null)
        {
            _byName[(added.Metadata.Namespace ?? "", added.Metadata.Name)] = added;
        }
        else if (removed is not null)
        {
            _byName.Remove((removed.Metadata.Namespace ?? "", removed.Metadata.Name));
        }
    }

    /// <summary>
    /// Calls <paramref name="changed"/> with (previous, new) for every key whose object is not the same in both sorted
    /// lists (null where one list lacks the key). False, having called it for some, when a list turns out unsorted or to
    /// repeat a key where the lists differ: the caller then starts afresh.
    /// </summary>
    public static bool Walk(IReadOnlyList<T> before, IReadOnlyList<T> now, Action<T?, T?> changed)
    {
        int i = 0, j = 0;
        while (i < now.Count || j < before.Count)
        {
            if (i < now.Count && j < before.Count && ReferenceEquals(now[i], before[j]))
            {
                i++;
                j++;
                continue;
            }

            var c = i == now.Count ? 1 : j == before.Count ? -1 : ObjectRef.Comparer.Compare(now[i].Ref, before[j].Ref);
            if ((c <= 0 && i > 0 && ObjectRef.Comparer.Compare(now[i - 1].Ref, now[i].Ref) >= 0)
                || (c >= 0 && j > 0 && ObjectRef.Comparer.Compare(before[j - 1].Ref, before[j].Ref) >= 0))
            {
                return false;
            }

            changed(c >= 0 ? before[j++] : null, c <= 0 ? now[i++] : null);
        }

        return true;
    }
}
