namespace Portcullis.Translation.Routing;

using System.Buffers;

/// <summary>
/// Hostname matching between a listener and a route, per the Gateway API: a wildcard "*.example.com"
/// stands for one or more labels in front of "example.com" (never "example.com" itself).
/// </summary>
internal static class Hostnames
{
    /// <summary>The IR's name for "any host": neither listener nor route set a hostname.</summary>
    public const string Any = "*";

    public static bool IsWildcard(string hostname) => hostname.StartsWith("*.", StringComparison.Ordinal);

    /// <summary>
    /// The hostnames a route serves on a listener: each route hostname intersected with the listener's,
    /// deduplicated, in route order. Empty means no intersection (the route does not attach).
    /// </summary>
    public static IReadOnlyList<string> Intersect(string? listenerHostname, IReadOnlyList<string> routeHostnames)
    {
        var listener = Normalize(listenerHostname);
        if (routeHostnames.Count == 0)
        {
            return [listener ?? Any];
        }

        // Allocates only for hits: a route is checked against every listener of its Gateway, and most miss.
        string? first = null;
        List<string>? more = null;
        for (var i = 0; i < routeHostnames.Count; i++) // not foreach: an interface enumerator is an allocation per call
        {
            var route = Normalize(routeHostnames[i]);
            if (route is null)
            {
                continue;
            }

            var hit = listener is null ? route : IntersectOne(listener, route);
            if (hit is null || string.Equals(hit, first, StringComparison.Ordinal))
            {
                continue;
            }

            if (first is null)
            {
                first = hit;
            }
            else if (more is null)
            {
                more = [first, hit];
            }
            else if (!more.Contains(hit, StringComparer.Ordinal))
            {
                more.Add(hit);
            }
        }

        // Not `more ?? (first is null ? [] : [first])`: that types the collection expressions as List<string>, a new
        // list on every miss (640,000 per translation at 10,000 routes on Gateways of 64 listeners).
        if (more is not null)
        {
            return more;
        }

        return first is null ? [] : [first];
    }

    /// <summary>The more specific of two hostnames when one covers the other, else null.</summary>
    public static string? IntersectOne(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return a;
        }

        if (IsWildcard(a) && Covers(a, b))
        {
            return b;
        }

        return IsWildcard(b) && Covers(b, a) ? a : null;
    }

    /// <summary>Whether wildcard covers name (exact or a narrower wildcard): "*.a.com" covers "x.a.com", "x.y.a.com", "*.y.a.com".</summary>
    public static bool Covers(string wildcard, string name)
    {
        var suffix = wildcard[1..]; // ".example.com"
        var host = IsWildcard(name) ? name[1..] : name;
        return host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.Ordinal);
    }

    /// <summary>
    /// Orders IR hostnames for readers and for the data plane's host table: exact names first, then
    /// wildcards with more labels first, then the catch-all.
    /// </summary>
    public static int CompareSpecificity(string a, string b)
    {
        var ra = Rank(a);
        var rb = Rank(b);
        if (ra != rb)
        {
            return ra.CompareTo(rb);
        }

        if (ra == 1)
        {
            var dots = Dots(b).CompareTo(Dots(a));
            if (dots != 0)
            {
                return dots;
            }
        }

        return string.CompareOrdinal(a, b);

        static int Rank(string h) => h == Any ? 2 : IsWildcard(h) ? 1 : 0;
        static int Dots(string h) => h.Count(c => c == '.');
    }

    /// <summary>Lower case without a trailing dot; null for no hostname. An already normal name is returned as it is.</summary>
    public static string? Normalize(string? hostname)
    {
        if (string.IsNullOrEmpty(hostname))
        {
            return null;
        }

        // Already normal (the usual case) returns the same string: this runs for every listener a route is
        // checked against, and ToLowerInvariant allocated a copy each time (most of a 10,000-route translation).
        return hostname[^1] != '.' && !hostname.AsSpan().ContainsAnyExcept(NormalChars) ? hostname : hostname.TrimEnd('.').ToLowerInvariant();
    }

    private static readonly SearchValues<char> NormalChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-.*");
}
