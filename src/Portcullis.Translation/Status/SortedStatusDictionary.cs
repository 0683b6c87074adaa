namespace Portcullis.Translation.Status;

using System.Diagnostics.CodeAnalysis;
using Portcullis.Model.Core;

/// <summary>
/// Statuses by object, in <see cref="ObjectRef.Comparer"/> order, as two arrays: the translator emits thousands of
/// route statuses already in that order (the snapshot's), where inserting each into a sorted tree was a tenth of a
/// translation. Lookups are a binary search, as a tree's are. Keys are kept as the objects (a reference each, not a
/// three-reference struct), so 10,000 of them stay off the large object heap. Public so that a reader of the report
/// (the status store's <c>ReportLookup</c>) can rely on its order and walk it instead of searching.
/// </summary>
public sealed class SortedStatusDictionary<T> : IReadOnlyDictionary<ObjectRef, T>
{
    private readonly KubernetesObject[] _objects;
    private readonly T[] _values;

    private SortedStatusDictionary(KubernetesObject[] objects, T[] values) => (_objects, _values) = (objects, values);

    /// <summary>The statuses of these objects, when the objects are strictly ascending; else null.</summary>
    internal static SortedStatusDictionary<T>? TryCreate(KubernetesObject[] objects, T[] values)
    {
        for (var i = 1; i < objects.Length; i++)
        {
            if (ObjectRef.Comparer.Compare(objects[i - 1].Ref, objects[i].Ref) >= 0)
            {
                return null;
            }
        }

        return new SortedStatusDictionary<T>(objects, values);
    }

    public T this[ObjectRef key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no status for {key}");

    public IEnumerable<ObjectRef> Keys => _objects.Select(o => o.Ref);

    public IEnumerable<T> Values => _values;

    public int Count => _objects.Length;

    public bool ContainsKey(ObjectRef key) => IndexOf(key) >= 0;

    public bool TryGetValue(ObjectRef key, [MaybeNullWhen(false)] out T value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _values[i] : default;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<ObjectRef, T>> GetEnumerator()
    {
        for (var i = 0; i < _objects.Length; i++)
        {
            yield return new(_objects[i].Ref, _values[i]);
        }
    }

    private int IndexOf(ObjectRef key) => _objects.AsSpan().BinarySearch(new RefKey(key));

    /// <summary>A key to find among the objects: compares as their <see cref="KubernetesObject.Ref"/>s do.</summary>
    private readonly record struct RefKey(ObjectRef Key) : IComparable<KubernetesObject>
    {
        public int CompareTo(KubernetesObject? other) => ObjectRef.Comparer.Compare(Key, other!.Ref);
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
