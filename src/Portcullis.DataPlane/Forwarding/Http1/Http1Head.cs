namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Buffers.Text;
using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.WebUtilities;

/// <summary>
/// Parses a backend's response head (status line and header fields, RFC 9112) from the connection's buffer into an
/// <see cref="HttpResponseMessage"/>, and works out how its body is delimited.
/// </summary>
internal static class Http1Head
{
    /// <summary>
    /// Parses the final head once the buffer holds one; 1xx informational heads other than 101 are skipped, as
    /// HttpClient does. Null while the head is incomplete (the caller reads more and asks again): synchronous, so
    /// the request's one async method is the only state machine that waits for the backend.
    /// </summary>
    /// <exception cref="HttpRequestException">The backend sent something that is not HTTP/1.x.</exception>
    public static HttpResponseMessage? TryRead(Http1Connection connection, Http1Pool pool, HttpRequestMessage request)
    {
        while (true)
        {
            var end = connection.BufferedSpan.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                return null;
            }

            var status = Status(connection.BufferedSpan);
            if (status is >= 100 and < 200 && status != 101)
            {
                connection.Consume(end + 4);
                continue;
            }

            var body = new Http1ResponseStream(connection, pool);
            var response = Parse(connection.BufferedSpan[..(end + 2)], connection.HeaderCache, request, body);
            connection.Consume(end + 4);
            body.Start(response);
            return response;
        }
    }

    /// <summary>"name: value" without the surrounding whitespace of the value; null when the line has no colon or an empty name.</summary>
    public static (string Name, string Value)? SplitField(ReadOnlySpan<byte> line, Http1HeaderCache cache, int index)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[colon - 1] is (byte)' ' or (byte)'\t')
        {
            return null;
        }

        var name = Http1HeaderCache.Name(line[..colon]);
        var value = line[(colon + 1)..].Trim(" \t"u8);
        return (name, cache.Value(index, name, value));
    }

    private static int Status(ReadOnlySpan<byte> head) =>
        head.Length >= 12 && head.StartsWith("HTTP/1."u8) && head[8] == ' '
            && Utf8Parser.TryParse(head.Slice(9, 3), out int code, out var used) && used == 3 && code >= 100
            ? code
            : throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend's response does not start with an HTTP/1.x status line.");

    private static HttpResponseMessage Parse(ReadOnlySpan<byte> head, Http1HeaderCache cache, HttpRequestMessage request, Http1ResponseStream body)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = head[..lineEnd];
        var code = Status(statusLine);
        var http10 = statusLine[7] == (byte)'0';
        var response = new HttpResponseMessage((HttpStatusCode)code)
        {
            Version = http10 ? HttpVersion.Version10 : HttpVersion.Version11,
            RequestMessage = request,
            Content = new Http1ResponseContent(body),
        };

        // Kept only when it is not the standard one, as HttpClient does: the forwarder passes a custom phrase on.
        var reason = statusLine.Length > 13 ? statusLine[13..] : [];
        if (reason.Length > 0 && !System.Text.Ascii.Equals(reason, ReasonPhrases.GetReasonPhrase(code)))
        {
            response.ReasonPhrase = System.Text.Encoding.Latin1.GetString(reason);
        }

        long length = -1;
        var chunked = false;
        var otherCoding = false;
        var close = http10;
        var rest = head[(lineEnd + 2)..];
        for (var index = 0; rest.Length > 0; index++)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = rest[..end];
            rest = rest[(end + 2)..];
            if (line.Length > 0 && line[0] is (byte)' ' or (byte)'\t')
            {
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend's response folds a header line (obsolete, RFC 9112 5.2).");
            }

            var (name, value) = SplitField(line, cache, index)
                ?? throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend's response has a header line without a name.");
            if (ReferenceEquals(name, "Content-Length"))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                    || (length >= 0 && parsed != length))
                {
                    throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend's response has an invalid Content-Length.");
                }

                length = parsed;
            }
            else if (ReferenceEquals(name, "Transfer-Encoding"))
            {
                // The final coding decides: chunked delimits the body, anything else runs to the close.
                var last = value.AsSpan(value.LastIndexOf(',') + 1).Trim();
                chunked = last.Equals("chunked", StringComparison.OrdinalIgnoreCase);
                otherCoding = !chunked;
            }
            else if (ReferenceEquals(name, "Connection"))
            {
                close = HasToken(value, "close") || (http10 && !HasToken(value, "keep-alive"));
            }

            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        var noBody = request.Method == HttpMethod.Head || code is 204 or 304 or < 200;
        close |= code == 101; // never asked for (upgrades go to SocketsHttpHandler): whatever follows is not HTTP/1.1

        if (noBody)
        {
            body.Frame(BodyFraming.ContentLength, 0, !close);
        }
        else if (chunked)
        {
            body.Frame(BodyFraming.Chunked, 0, !close);
        }
        else if (otherCoding || length < 0)
        {
            body.Frame(BodyFraming.ToClose, 0, keepAlive: false);
        }
        else
        {
            body.Frame(BodyFraming.ContentLength, length, !close);
        }

        return response;
    }

    private static bool HasToken(string value, string token)
    {
        foreach (var range in value.AsSpan().Split(','))
        {
            if (value.AsSpan(range).Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
