namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Text;

/// <summary>
/// Strings for header names and values without allocating for the ones that repeat: the names every backend and
/// client sends are interned once, and each connection remembers the values of its previous response by position
/// (a backend sends the same Server, Content-Type and Content-Length response after response).
/// </summary>
internal sealed class Http1HeaderCache
{
    private const int Remembered = 16;

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KnownNames = CreateKnownNames();

    private readonly string?[] _names = new string?[Remembered];
    private readonly string?[] _values = new string?[Remembered];

    /// <summary>The header name, interned when it is a common one.</summary>
    public static string Name(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= 64)
        {
            Span<char> chars = stackalloc char[bytes.Length];
            var n = Encoding.Latin1.GetChars(bytes, chars);
            if (KnownNames.TryGetValue(chars[..n], out var known))
            {
                return known;
            }
        }

        return Encoding.Latin1.GetString(bytes);
    }

    /// <summary>The value of the <paramref name="index"/>th header, the previous response's string when it is the same.</summary>
    public string Value(int index, string name, ReadOnlySpan<byte> bytes)
    {
        if (index >= Remembered)
        {
            return Encoding.Latin1.GetString(bytes);
        }

        if (ReferenceEquals(_names[index], name) && _values[index] is { } previous && Ascii.Equals(bytes, previous))
        {
            return previous;
        }

        var value = Encoding.Latin1.GetString(bytes);
        _names[index] = name;
        _values[index] = value;
        return value;
    }

    private static Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> CreateKnownNames()
    {
        string[] names =
        [
            "Accept-Ranges", "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
            "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Age", "Alt-Svc", "Cache-Control", "Connection",
            "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length", "Content-Location", "Content-Range",
            "Content-Security-Policy", "Content-Type", "Date", "ETag", "Expires", "Grpc-Encoding", "Grpc-Message", "Grpc-Status",
            "Keep-Alive", "Last-Modified", "Link", "Location", "Pragma", "Proxy-Connection", "Retry-After", "Server", "Set-Cookie",
            "Strict-Transport-Security", "Trailer", "Transfer-Encoding", "Upgrade", "Vary", "Via", "WWW-Authenticate",
            "X-Content-Type-Options", "X-Frame-Options", "X-Powered-By", "X-Request-Id",

            // Request fields: Http1ServerConnection reads client heads with this cache too.
            "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization", "Cookie", "DNT", "Forwarded",
            "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Origin", "Priority",
            "Range", "Referer", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User", "TE", "Upgrade-Insecure-Requests",
            "User-Agent", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "X-Requested-With",
        ];
        var table = new Dictionary<string, string>(names.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            table[name] = name;
        }

        return table.GetAlternateLookup<ReadOnlySpan<char>>();
    }
}
