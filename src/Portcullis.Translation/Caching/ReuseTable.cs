namespace Portcullis.Translation.Caching;

/// <summary>
/// Results keyed by the object (by reference) they were computed from, kept from one translation to the next: an entry
/// the current translation uses again is carried over, the others are dropped at its end, so the table holds what the
/// last snapshot used and nothing older. Whoever reuses an entry first checks that everything else it read is unchanged.
/// </summary>
internal sealed class ReuseTable<TKey, TValue>
    where TKey : class
{
    private Dictionary<TKey, TValue> _previous = new(ReferenceEqualityComparer.Instance);
    private Dictionary<TKey, TValue> _current = new(ReferenceEqualityComparer.Instance);

    public int Count => _previous.Count;

    /// <summary>The previous translation's result for this very object.</summary>
    public bool TryGetPrevious(TKey key, out TValue value) => _previous.TryGetValue(key, out value!);

    /// <summary>The result this translation already carries for this very object.</summary>
    public bool TryGetCurrent(TKey key, out TValue value) => _current.TryGetValue(key, out value!);

    /// <summary>Carries a result (reused or new) into the next translation.</summary>
    public void Keep(TKey key, TValue value) => _current[key] = value;

    /// <summary>A translation starts: whatever a failed one kept is forgotten.</summary>
    public void Begin() => _current.Clear();

    /// <summary>A translation ended: what it kept is what the next one may reuse.</summary>
    public void End()
    {
        (_previous, _current) = (_current, _previous);
        _current.Clear();
    }

    public void Clear()
    {
        _previous.Clear();
        _current.Clear();
    }
}
