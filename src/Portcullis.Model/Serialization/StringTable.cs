namespace Portcullis.Model.Serialization;

/// <summary>
/// A fixed-size, direct-mapped cache of short strings, so that values repeated across thousands of manifests
/// ("default", "gateway.networking.k8s.io/v1", "tls.crt", ...) are held once instead of once per object. At
/// 10,000 hosts decoding left ~294,000 duplicate strings (11 MB) live, and every live object adds to the cost of a
/// full collection. As in Roslyn's StringTable, a slot keeps the newest string whose hash lands there, so memory is
/// bounded by the slot count and a value of a deleted object is soon overwritten rather than kept. A recurring value
/// evicted by a collision only costs a second copy, never a wrong value.
/// </summary>
/// <remarks>
/// Safe without locks: a slot holds a reference to an immutable string, read and written whole, and a reader compares
/// the content of whatever it finds with what it was asked for before returning it, so a racing overwrite costs at
/// most a fresh allocation.
/// </remarks>
internal sealed class StringTable
{
    /// <summary>Longer strings are more often unique values (annotations, messages) than recurring ones.</summary>
    internal const int MaxLength = 128;

    private readonly string?[] _slots;
    private readonly int _mask;

    /// <param name="slots">A power of two.</param>
    internal StringTable(int slots)
    {
        if (slots <= 0 || (slots & (slots - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "must be a positive power of two");
        }

        _slots = new string?[slots];
        _mask = slots - 1;
    }

    /// <summary>
    /// Shared by all manifest decoding: 4,096 slots (32 KB of references, at most ~1 MB of strings) hold the few
    /// hundred recurring values of a configuration with room to spare for the unique names passing through.
    /// </summary>
    internal static StringTable Shared { get; } = new(4096);

    internal int Capacity => _slots.Length;

    /// <summary>A string equal to <paramref name="chars"/>: the cached one when it is there, else a new one that is cached.</summary>
    internal string Get(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return "";
        }

        if (chars.Length > MaxLength)
        {
            return new string(chars);
        }

        ref var slot = ref _slots[Hash(chars) & _mask];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && chars.SequenceEqual(cached))
        {
            return cached;
        }

        var created = new string(chars);
        Volatile.Write(ref slot, created);
        return created;
    }

    /// <summary>
    /// FNV-1a over the UTF-16 code units, as Roslyn's table hashes: the same slot for a value in every process. With
    /// string.GetHashCode (seeded per process) which values collide changed from run to run, so whether two decoded
    /// objects shared a value did too (a test of it failed once in CI). A crafted collision only costs a second copy.
    /// </summary>
    private static int Hash(ReadOnlySpan<char> chars)
    {
        var hash = 2166136261u;
        foreach (var c in chars)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }

    /// <summary>How many slots hold a string (for tests: the table stays within its size).</summary>
    internal int Count()
    {
        var n = 0;
        foreach (var s in _slots)
        {
            n += s is null ? 0 : 1;
        }

        return n;
    }
}
