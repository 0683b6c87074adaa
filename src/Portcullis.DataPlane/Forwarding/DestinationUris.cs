namespace Portcullis.DataPlane.Forwarding;

using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

/// <summary>
/// The backend request's <see cref="Uri"/> for a destination, path and query, from a small table shared by every route:
/// building one (YARP's <see cref="RequestUtilities.MakeDestinationAddress"/>: a string concatenation and a Uri parse,
/// then HttpClient's host formatting of the new instance) cost about 1% of the CPU of a keep-alive request and 300 B.
/// A Uri is immutable and safe to share between requests. The table is direct-mapped and bounded (a miss overwrites
/// the slot), so repeated paths (an API's endpoints, health checks, "/") are built once and any other path costs one
/// small entry more than before.
/// </summary>
internal static class DestinationUris
{
    private const int Slots = 256; // a power of two

    private static readonly Entry?[] Table = new Entry?[Slots];

    public static Uri For(string destinationPrefix, PathString path, QueryString query)
    {
        var pathValue = path.Value;
        var queryValue = query.Value;
        var slot = HashCode.Combine(destinationPrefix, pathValue, queryValue) & (Slots - 1);
        var entry = Volatile.Read(ref Table[slot]);
        if (entry is not null
            && string.Equals(entry.Prefix, destinationPrefix, StringComparison.Ordinal)
            && string.Equals(entry.Path, pathValue, StringComparison.Ordinal)
            && string.Equals(entry.Query, queryValue, StringComparison.Ordinal))
        {
            return entry.Uri;
        }

        var uri = RequestUtilities.MakeDestinationAddress(destinationPrefix, path, query);
        Volatile.Write(ref Table[slot], new Entry(destinationPrefix, pathValue, queryValue, uri));
        return uri;
    }

    private sealed record Entry(string Prefix, string? Path, string? Query, Uri Uri);
}
