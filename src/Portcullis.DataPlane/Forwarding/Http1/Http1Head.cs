namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Buffers.Text;
using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.WebUtilities;

/// <summary>
/// Parses a backend's response head (status line and header fields, RFC 9112) from the connection's buffer, into an
/// <see cref="HttpResponseMessage"/> or any other <see cref="IHeadSink"/>, and works out how its body is delimited.
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
        var end = FindFinalHead(connection);
        if (end < 0)
        {
            return null;
        }

        var head = connection.BufferedSpan[..(end + 2)];
        var status = ReadStatusLine(head, out var http10, out var reason);
        var body = new Http1ResponseStream(connection, pool);
        var response = new HttpResponseMessage((HttpStatusCode)status)
        {
            Version = http10 ? HttpVersion.Version10 : HttpVersion.Version11,
            RequestMessage = request,
            Content = new Http1ResponseContent(body),
            ReasonPhrase = reason,
        };
        var sink = new MessageSink(response);
        var framing = ReadFields(head, connection.HeaderCache, status, http10, request.Method == HttpMethod.Head, ref sink);
        connection.Consume(end + 4);
        body.Frame(framing);
        body.Start(response);
        return response;
    }

    /// <summary>
    /// Where the final response head ends (the index of its blank line's CRLF CRLF) once the buffer holds it, -1
    /// before. 1xx informational heads other than 101 are consumed and skipped, as HttpClient does.
    /// </summary>
    /// <exception cref="HttpRequestException">The backend sent something that is not HTTP/1.x.</exception>
    public static int FindFinalHead(Http1Connection connection)
    {
        while (true)
        {
            var end = connection.BufferedSpan.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                return -1;
            }

            var status = Status(connection.BufferedSpan);
            if (status is >= 100 and < 200 && status != 101)
            {
                connection.Consume(end + 4);
                continue;
            }

            return end;
        }
    }

    /// <summary>
    /// The status code of a head's status line, whether it is HTTP/1.0, and its reason phrase when it is not the
    /// standard one (null otherwise, as HttpClient keeps it: the forwarder passes a custom phrase on).
    /// </summary>
    public static int ReadStatusLine(ReadOnlySpan<byte> head, out bool http10, out string? reason)
    {
        var statusLine = head[..head.IndexOf("\r\n"u8)];
        var code = Status(statusLine);
        http10 = statusLine[7] == (byte)'0';
        var phrase = statusLine.Length > 13 ? statusLine[13..] : [];
        reason = phrase.Length > 0 && !System.Text.Ascii.Equals(phrase, ReasonPhrases.GetReasonPhrase(code))
            ? System.Text.Encoding.Latin1.GetString(phrase)
            : null;
        return code;
    }

    /// <summary>
    /// Hands the head's header fields to <paramref name="sink"/> in order and works out how the body is delimited
    /// (RFC 9112 section 6.3). <paramref name="head"/> runs from the status line to the last field's CRLF.
    /// </summary>
    /// <exception cref="HttpRequestException">A folded line, a line without a name, or an invalid Content-Length.</exception>
    public static ResponseFraming ReadFields<TSink>(ReadOnlySpan<byte> head, Http1HeaderCache cache, int status, bool http10, bool headRequest, ref TSink sink)
        where TSink : struct, IHeadSink
    {
        long length = -1;
        var chunked = false;
        var otherCoding = false;
        var close = http10;
        var rest = head[(head.IndexOf("\r\n"u8) + 2)..];
        for (var index = 0; rest.Length > 0; index++)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = rest[..end];
            rest = rest[(end + 2)..];
            if (line.Length > 0 && line[0] is (byte)' ' or (byte)'\t')
            {
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend's response folds a header line (obsolete, RFC 9112 5.2).");
            }

            if (!TrySplit(line, out var nameBytes, out var valueBytes))
            {
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend's response has a header line without a name.");
            }

            var name = Http1HeaderCache.Name(nameBytes);
            var value = cache.Value(index, name, valueBytes);
            if (ReferenceEquals(name, "Content-Length"))
            {
                if (!TryParseLength(valueBytes, out var parsed) || (length >= 0 && parsed != length))
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
                close = Closes(valueBytes, http10);
            }

            sink.Add(name, value);
        }

        close |= status == 101; // never asked for (upgrades go to SocketsHttpHandler): whatever follows is not HTTP/1.1
        if (headRequest || status is 204 or 304 or < 200)
        {
            return new ResponseFraming(BodyFraming.ContentLength, 0, !close, chunked);
        }

        if (chunked)
        {
            return new ResponseFraming(BodyFraming.Chunked, 0, !close, Chunked: true);
        }

        return otherCoding || length < 0
            ? new ResponseFraming(BodyFraming.ToClose, 0, KeepAlive: false, Chunked: false)
            : new ResponseFraming(BodyFraming.ContentLength, length, !close, Chunked: false);
    }

    /// <summary>"name: value" without the surrounding whitespace of the value; null when the line has no colon or an empty name.</summary>
    public static (string Name, string Value)? SplitField(ReadOnlySpan<byte> line, Http1HeaderCache cache, int index)
    {
        if (!TrySplit(line, out var nameBytes, out var value))
        {
            return null;
        }

        var name = Http1HeaderCache.Name(nameBytes);
        return (name, cache.Value(index, name, value));
    }

    /// <summary>A field line's name and its value without the surrounding whitespace; false when it has no colon, an empty name or whitespace before the colon.</summary>
    internal static bool TrySplit(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[colon - 1] is (byte)' ' or (byte)'\t')
        {
            name = value = default;
            return false;
        }

        name = line[..colon];
        value = line[(colon + 1)..].Trim(" \t"u8);
        return true;
    }

    /// <summary>A Content-Length value: digits only (no sign, no space), within a long.</summary>
    internal static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        return !value.IsEmpty && value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0 && Utf8Parser.TryParse(value, out length, out _);
    }

    /// <summary>Whether a response's Connection value ends the connection after it: close, or HTTP/1.0 without keep-alive.</summary>
    internal static bool Closes(ReadOnlySpan<byte> connection, bool http10) =>
        Listeners.Http1RequestParser.HasToken(connection, "close"u8) || (http10 && !Listeners.Http1RequestParser.HasToken(connection, "keep-alive"u8));

    private static int Status(ReadOnlySpan<byte> head) =>
        head.Length >= 12 && head.StartsWith("HTTP/1."u8) && head[8] == ' '
            && Utf8Parser.TryParse(head.Slice(9, 3), out int code, out var used) && used == 3 && code >= 100
            ? code
            : throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend's response does not start with an HTTP/1.x status line.");

    /// <summary>Header fields into an <see cref="HttpResponseMessage"/>: its own headers, else its content's.</summary>
    private readonly struct MessageSink(HttpResponseMessage response) : IHeadSink
    {
        public void Add(string name, string value)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    /// <summary>Whether a comma-separated field value lists <paramref name="token"/> (case-insensitive), as Connection's options.</summary>
    internal static bool HasToken(string value, string token)
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

/// <summary>Receives a response head's header fields as they are parsed.</summary>
internal interface IHeadSink
{
    void Add(string name, string value);
}

/// <summary>
/// How a response body is delimited. <see cref="Chunked"/>: the head said "Transfer-Encoding: chunked", also on a
/// response that has no body (its Content-Length, if any, is then not passed on).
/// </summary>
internal readonly record struct ResponseFraming(BodyFraming Framing, long Length, bool KeepAlive, bool Chunked);
