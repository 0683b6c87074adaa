namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;

/// <summary>Writes a request line and header fields (RFC 9112) into the connection's send buffer.</summary>
internal static class Http1RequestWriter
{
    /// <summary>The head's length in <see cref="Http1Connection.SendBuffer"/>.</summary>
    /// <exception cref="HttpRequestException">A header name or value holds CR, LF or NUL (it would split the head), or a character outside Latin-1.</exception>
    public static int WriteHead(Http1Connection connection, HttpRequestMessage request, Uri uri)
    {
        var position = 0;
        Append(connection, ref position, request.Method.Method);
        Append(connection, ref position, " ");

        // The absolute form is cached by Uri (and DestinationUris reuses the Uri): no string built per request.
        var absolute = uri.AbsoluteUri;
        var target = absolute.AsSpan(absolute.IndexOf('/', uri.Scheme.Length + 3) is var slash and >= 0 ? slash : absolute.Length);
        var fragment = target.IndexOf('#');
        target = fragment >= 0 ? target[..fragment] : target;
        Append(connection, ref position, target.IsEmpty ? "/" : target);
        Append(connection, ref position, " HTTP/1.1\r\n");

        var hasHost = WriteFields(connection, ref position, request.Headers.NonValidated, skipContentLength: false);
        if (!hasHost)
        {
            WriteField(connection, ref position, "Host", uri.Authority);
        }

        if (request.Content is { } content)
        {
            WriteFields(connection, ref position, content.Headers.NonValidated, skipContentLength: true);
            WriteField(connection, ref position, "Content-Length", content.Headers.ContentLength!.Value.ToString(CultureInfo.InvariantCulture));
        }
        else if (NeedsLength(request.Method))
        {
            WriteField(connection, ref position, "Content-Length", "0");
        }

        Append(connection, ref position, "\r\n");
        return position;
    }

    /// <summary>As HttpClient: a request without content whose method defines a body says it has none.</summary>
    private static bool NeedsLength(HttpMethod method) =>
        method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Options && method != HttpMethod.Delete
        && method != HttpMethod.Trace;

    private static bool WriteFields(Http1Connection connection, ref int position, HttpHeadersNonValidated headers, bool skipContentLength)
    {
        var hasHost = false;
        foreach (var (name, values) in headers)
        {
            if (skipContentLength && name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            hasHost |= name.Equals("Host", StringComparison.OrdinalIgnoreCase);
            Check(name);
            Append(connection, ref position, name);
            Append(connection, ref position, ": ");

            // Several values of one field are joined as HttpClient joins them (a Cookie header must stay one line).
            var separator = name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ";
            var first = true;
            foreach (var value in values)
            {
                if (!first)
                {
                    Append(connection, ref position, separator);
                }

                first = false;
                Check(value);
                Append(connection, ref position, value);
            }

            Append(connection, ref position, "\r\n");
        }

        return hasHost;
    }

    private static void WriteField(Http1Connection connection, ref int position, string name, string value)
    {
        Check(value);
        Append(connection, ref position, name);
        Append(connection, ref position, ": ");
        Append(connection, ref position, value);
        Append(connection, ref position, "\r\n");
    }

    private static void Check(string text)
    {
        if (text.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw new HttpRequestException(HttpRequestError.Unknown, "A request header holds a CR, LF or NUL character.");
        }

        // Written as Latin-1 below, which would turn such a character into '?' without a word.
        if (text.AsSpan().ContainsAnyExceptInRange('\0', '\u00FF'))
        {
            throw new HttpRequestException(HttpRequestError.Unknown, "A request header holds a character outside Latin-1.");
        }
    }

    private static void Append(Http1Connection connection, ref int position, ReadOnlySpan<char> text)
    {
        // Latin-1: one byte per character, as HttpClient writes header values by default.
        var buffer = connection.SendBuffer(position + text.Length, position);
        position += Encoding.Latin1.GetBytes(text, buffer.AsSpan(position));
    }
}
