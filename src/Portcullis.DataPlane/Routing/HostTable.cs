namespace Portcullis.DataPlane.Routing;

/// <summary>
/// Host name lookup precomputed for one lookup per request or handshake: exact names first, then
/// wildcard suffixes longest first ("*.example.com" matches "a.example.com" and "a.b.example.com",
/// never "example.com"), then the catch-all. Names compare case-insensitively, a trailing dot ignored.
/// </summary>
internal sealed class HostTable<T>
    where T : class
{
    private readonly Dictionary<string, T> _exact;
    private readonly Dictionary<string, T> _wildcard;
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _wildcardLookup;
    private readonly T? _catchAll;

    private HostTable(Dictionary<string, T> exact, Dictionary<string, T> wildcard, T? catchAll)
    {
        _exact = exact;
        _wildcard = wildcard;
        _exactLookup = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardLookup = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        _catchAll = catchAll;
    }

    public bool IsEmpty => _exact.Count == 0 && _wildcard.Count == 0 && _catchAll is null;

    public T? Match(ReadOnlySpan<char> host)
    {
        if (host.Length > 0 && host[^1] == '.')
        {
            host = host[..^1];
        }

        if (_exact.Count > 0 && _exactLookup.TryGetValue(host, out var exact))
        {
            return exact;
        }

        if (_wildcard.Count > 0)
        {
            // The leftmost dot gives the longest suffix, so the first hit is the most specific wildcard.
            for (var i = host.IndexOf('.'); i > 0; i = NextDot(host, i))
            {
                if (_wildcardLookup.TryGetValue(host[i..], out var wildcard))
                {
                    return wildcard;
                }
            }
        }

        return _catchAll;
    }

    private static int NextDot(ReadOnlySpan<char> host, int current)
    {
        var next = host[(current + 1)..].IndexOf('.');
        return next < 0 ? -1 : current + 1 + next;
    }

    /// <summary>Collects entries; the first value added for a host name wins.</summary>
    /// <param name="capacity">Host names expected, so a table of 10,000 listeners is not grown doubling by doubling.</param>
    public sealed class Builder(int capacity = 0)
    {
        private readonly Dictionary<string, T> _exact = new(capacity, StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, T> _wildcard = new(StringComparer.OrdinalIgnoreCase);
        private T? _catchAll;

        /// <param name="hostname">Exact name, "*.suffix", or null / "*" for the catch-all.</param>
        public T GetOrAdd(string? hostname, Func<T> create)
        {
            ArgumentNullException.ThrowIfNull(create);
            if (hostname is null || hostname == "*")
            {
                return _catchAll ??= create();
            }

            var name = hostname.TrimEnd('.');
            var table = _exact;
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                name = name[1..];
                table = _wildcard;
            }

            if (!table.TryGetValue(name, out var value))
            {
                value = create();
                table.Add(name, value);
            }

            return value;
        }

        /// <summary>Adds the value unless the host name has one (without the delegate of <see cref="GetOrAdd"/>: 10,000 listeners per apply).</summary>
        public void TryAdd(string? hostname, T value)
        {
            if (hostname is null || hostname == "*")
            {
                _catchAll ??= value;
                return;
            }

            var name = hostname.TrimEnd('.');
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                _wildcard.TryAdd(name[1..], value);
            }
            else
            {
                _exact.TryAdd(name, value);
            }
        }

        /// <summary>The table, which takes over the builder's dictionaries (copying 10,000 listeners' entries per apply bought nothing): call once, then drop the builder.</summary>
        public HostTable<T> Build() => new(_exact, _wildcard, _catchAll);
    }
}
