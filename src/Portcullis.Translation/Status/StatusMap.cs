namespace Portcullis.Translation.Status;

using System.Diagnostics.CodeAnalysis;
using Portcullis.Model.Core;

/// <summary>
/// Statuses by object, in <see cref="ObjectRef.Comparer"/> order, as two arrays: the translator emits thousands of
/// route statuses already in that order (the snapshot's), where inserting each into a sorted tree was a tenth of a
/// translation. Lookups are a binary search, as a tree's are.
/// </summary>
internal sealed class StatusMap<T> : IReadOnlyDictionary<ObjectRef, T>
{
    private readonly ObjectRef[] _keys;
    private readonly T[] _values;

    private StatusMap(ObjectRef[] keys, T[] values) => (_keys, _values) = (keys, values);

    /// <summary>The map of these keys and values, when the keys are strictly ascending; else null.</summary>
    public static StatusMap<T>? TryCreate(ObjectRef[] keys, T[] values)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            if (ObjectRef.Comparer.Compare(keys[i - 1], keys[i]) >= 0)
            {
                return null;
            }
        }

        return new StatusMap<T>(keys, values);
    }

    public T this[ObjectRef key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no status for {key}");

    public IEnumerable<ObjectRef> Keys => _keys;

    public IEnumerable<T> Values => _values;

    public int Count => _keys.Length;

    public bool ContainsKey(ObjectRef key) => Array.BinarySearch(_keys, key, ObjectRef.Comparer) >= 0;

    public bool TryGetValue(ObjectRef key, [MaybeNullWhen(false)] out T value)
    {
        var i = Array.BinarySearch(_keys, key, ObjectRef.Comparer);
        value = i >= 0 ? _values[i] : default;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<ObjectRef, T>> GetEnumerator()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            yield return new(_keys[i], _values[i]);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
