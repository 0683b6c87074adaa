namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portcullis.Ir;

/// <summary>Writes a request line and header fields (RFC 9112) into the connection's send buffer.</summary>
internal static class Http1RequestWriter
{
    /// <summary>The head's length in <see cref="Http1Connection.SendBuffer"/>.</summary>
    /// <exception cref="HttpRequestException">A header name or value holds CR, LF or NUL (it would split the head), or a character outside Latin-1.</exception>
    public static int WriteHead(Http1Connection connection, HttpRequestMessage request, Uri uri)
    {
        var position = 0;
        WriteRequestLine(connection, ref position, request.Method.Method, uri);
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
        else if (NeedsLength(request.Method.Method))
        {
            WriteField(connection, ref position, "Content-Length", "0");
        }

        Append(connection, ref position, "\r\n");
        return position;
    }

    /// <summary>
    /// The head of a request without a body, straight from the client's request (the direct forwarder): what YARP's
    /// forwarder and <paramref name="transformer"/> would send. The client's headers but the hop-by-hop ones (YARP's
    /// list) and HTTP/2 pseudo-headers, Host as the client sent it or as URLRewrite names it, "TE: trailers" from an
    /// HTTP/2 client, X-Forwarded-For appended to, X-Forwarded-Proto replaced, X-Request-Id kept or added, then the
    /// route's request header modifiers (which may change any of these but the framing fields, Content-Length and
    /// Transfer-Encoding, which this request without a body keeps as it is).
    /// </summary>
    /// <returns>The head's length in <see cref="Http1Connection.SendBuffer"/>.</returns>
    /// <exception cref="HttpRequestException">A header name or value holds CR, LF or NUL, or a character outside Latin-1.</exception>
    public static int WriteHead(Http1Connection connection, HttpContext context, Uri uri, ForwardingTransformer transformer)
    {
        var request = context.Request;
        var position = 0;
        WriteRequestLine(connection, ref position, request.Method, uri);

        bool hasHost, hasLength;
        var edits = transformer.RequestEdits;
        if (edits.IsEmpty)
        {
            // No list: the fields go straight into the buffer.
            var sink = new BufferSink(connection, position);
            (hasHost, hasLength) = ForwardedFields(context, transformer.HostRewrite, ref sink);
            position = sink.Position;
        }
        else
        {
            // Room for the client's fields and the ones added here, so the list does not grow on the way.
            var sink = new ListSink(new(request.Headers.Count + 8));
            (_, hasLength) = ForwardedFields(context, transformer.HostRewrite, ref sink);
            foreach (var edit in edits)
            {
                Apply(edit, sink.Fields);
            }

            hasHost = false;
            foreach (var (name, values) in sink.Fields)
            {
                hasHost |= name.Equals("Host", StringComparison.OrdinalIgnoreCase);
                WriteField(connection, ref position, name, values);
            }
        }

        // As HttpClient writes a request: these two come after the headers the transformer left.
        if (!hasHost)
        {
            WriteField(connection, ref position, "Host", uri.Authority);
        }

        if (!hasLength && NeedsLength(request.Method))
        {
            WriteField(connection, ref position, "Content-Length", "0");
        }

        Append(connection, ref position, "\r\n");
        return position;
    }

    /// <summary>The fields YARP's forwarder and <see cref="ForwardingTransformer"/> put on the request before its header modifiers.</summary>
    private static (bool HasHost, bool HasLength) ForwardedFields<TSink>(HttpContext context, string? hostRewrite, ref TSink sink)
        where TSink : struct, IFieldSink
    {
        var request = context.Request;
        if (hostRewrite is not null)
        {
            sink.Add("Host", hostRewrite);
        }

        // Our HTTP/1.1 server's fields are a HeaderDictionary: enumerated through its struct enumerator, not the boxed
        // one IHeaderDictionary returns (an allocation per request).
        var (hasHost, hasLength, hasRequestId, forwardedFor) = request.Headers is HeaderDictionary own
            ? ClientFields(own.GetEnumerator(), hostRewrite, ref sink)
            : ClientFields(request.Headers.GetEnumerator(), hostRewrite, ref sink);

        // RFC 9113 8.2.2: the one TE value an HTTP/2 request may carry, which YARP passes on.
        if (HttpProtocol.IsHttp2(request.Protocol) || HttpProtocol.IsHttp3(request.Protocol))
        {
            foreach (var te in request.Headers.GetCommaSeparatedValues("TE"))
            {
                if (te.Equals("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    sink.Add("TE", "trailers");
                    break;
                }
            }
        }

        // As ForwardingTransformer: an unknown client address leaves the client's X-Forwarded-For as it was.
        var client = ForwardingTransformer.ClientAddress(context);
        var forwarded = client is null ? forwardedFor : string.IsNullOrEmpty(forwardedFor) ? client : $"{forwardedFor}, {client}";
        if (forwarded is not null)
        {
            sink.Add(ForwardingTransformer.ForwardedFor, forwarded);
        }

        sink.Add(ForwardingTransformer.ForwardedProto, request.IsHttps ? "https" : "http");
        if (!hasRequestId)
        {
            sink.AddRequestId();
        }

        return (hasHost, hasLength);
    }

    /// <summary>The client's fields as they go on (hop-by-hop ones and pseudo-headers left out), and what they held.</summary>
    private static (bool HasHost, bool HasLength, bool HasRequestId, string? ForwardedFor) ClientFields<TEnumerator, TSink>(
        TEnumerator fields, string? hostRewrite, ref TSink sink)
        where TEnumerator : IEnumerator<KeyValuePair<string, StringValues>>
        where TSink : struct, IFieldSink
    {
        var hasHost = hostRewrite is not null;
        var hasLength = false;
        var hasRequestId = false;
        string? forwardedFor = null;
        using (fields)
        {
            while (fields.MoveNext())
            {
                var (name, values) = fields.Current;
                if (Http1Forwarder.IsHopByHop(name) || name.StartsWith(':')
                    || name.Equals(ForwardingTransformer.ForwardedProto, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (name.Equals(ForwardingTransformer.ForwardedFor, StringComparison.OrdinalIgnoreCase))
                {
                    forwardedFor = values.ToString();
                    continue;
                }

                if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                {
                    if (hostRewrite is not null)
                    {
                        continue;
                    }

                    hasHost = true;
                }

                hasLength |= name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase);
                hasRequestId |= name.Equals(ForwardingTransformer.RequestId, StringComparison.OrdinalIgnoreCase);
                sink.Add(name, values);
            }
        }

        return (hasHost, hasLength, hasRequestId, forwardedFor);
    }

    /// <summary>
    /// A header modifier on the fields, as <see cref="HeaderEdits"/> edits YARP's outgoing request: set replaces, add
    /// appends to the joined existing values with ",", remove deletes, names case-insensitive; each edited field moves
    /// to the end. The framing fields are left alone.
    /// </summary>
    private static void Apply(HeaderModifier edit, List<KeyValuePair<string, StringValues>> fields)
    {
        foreach (var h in edit.Set)
        {
            if (!IsFraming(h.Name))
            {
                Remove(fields, h.Name);
                fields.Add(new(h.Name, h.Value));
            }
        }

        foreach (var h in edit.Add)
        {
            if (!IsFraming(h.Name))
            {
                var existing = Remove(fields, h.Name);
                fields.Add(new(h.Name, existing is null ? h.Value : existing + "," + h.Value));
            }
        }

        foreach (var name in edit.Remove)
        {
            if (!IsFraming(name))
            {
                Remove(fields, name);
            }
        }

        static bool IsFraming(string name) =>
            name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Removes every field named <paramref name="name"/>; returns their values joined with ",", null when there was none.</summary>
    private static string? Remove(List<KeyValuePair<string, StringValues>> fields, string name)
    {
        string? removed = null;
        for (var i = fields.Count - 1; i >= 0; i--)
        {
            if (fields[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                var values = string.Join(',', fields[i].Value.ToArray());
                removed = removed is null ? values : values + "," + removed;
                fields.RemoveAt(i);
            }
        }

        return removed;
    }

    /// <summary>Where <see cref="ForwardedFields"/> puts the fields: the send buffer, or a list the header modifiers edit first.</summary>
    private interface IFieldSink
    {
        void Add(string name, StringValues values);

        void AddRequestId();
    }

    private struct BufferSink(Http1Connection connection, int position) : IFieldSink
    {
        public int Position = position;

        public void Add(string name, StringValues values) => WriteField(connection, ref Position, name, values);

        /// <summary>Formatted into the buffer: no string per request.</summary>
        public void AddRequestId()
        {
            Span<char> id = stackalloc char[36];
            ForwardingTransformer.NewRequestGuid().TryFormat(id, out var written);
            Append(connection, ref Position, ForwardingTransformer.RequestId);
            Append(connection, ref Position, ": ");
            Append(connection, ref Position, id[..written]);
            Append(connection, ref Position, "\r\n");
        }
    }

    private readonly struct ListSink(List<KeyValuePair<string, StringValues>> fields) : IFieldSink
    {
        public List<KeyValuePair<string, StringValues>> Fields => fields;

        public void Add(string name, StringValues values) => fields.Add(new(name, values));

        public void AddRequestId() => fields.Add(new(ForwardingTransformer.RequestId, ForwardingTransformer.NewRequestId()));
    }

    /// <summary>"METHOD target HTTP/1.1", the target being the origin form of <paramref name="uri"/>.</summary>
    private static void WriteRequestLine(Http1Connection connection, ref int position, string method, Uri uri)
    {
        Append(connection, ref position, method);
        Append(connection, ref position, " ");

        // The absolute form is cached by Uri (and DestinationUris reuses the Uri): no string built per request.
        var absolute = uri.AbsoluteUri;
        var target = absolute.AsSpan(absolute.IndexOf('/', uri.Scheme.Length + 3) is var slash and >= 0 ? slash : absolute.Length);
        var fragment = target.IndexOf('#');
        target = fragment >= 0 ? target[..fragment] : target;
        Append(connection, ref position, target.IsEmpty ? "/" : target);
        Append(connection, ref position, " HTTP/1.1\r\n");
    }

    /// <summary>As HttpClient: a request without content whose method defines a body says it has none.</summary>
    private static bool NeedsLength(string method) =>
        !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method) && !HttpMethods.IsDelete(method)
        && !HttpMethods.IsTrace(method);

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
            var separator = BeginField(connection, ref position, name);
            var first = true;
            foreach (var value in values)
            {
                AppendValue(connection, ref position, value, separator, ref first);
            }

            Append(connection, ref position, "\r\n");
        }

        return hasHost;
    }

    private static void WriteField(Http1Connection connection, ref int position, string name, StringValues values)
    {
        var separator = BeginField(connection, ref position, name);
        var first = true;
        for (var i = 0; i < values.Count; i++)
        {
            AppendValue(connection, ref position, values[i], separator, ref first);
        }

        Append(connection, ref position, "\r\n");
    }

    /// <summary>"name: "; returns how the field's values are joined, as HttpClient joins them (a Cookie header must stay one line).</summary>
    private static string BeginField(Http1Connection connection, ref int position, string name)
    {
        Check(name);
        Append(connection, ref position, name);
        Append(connection, ref position, ": ");
        return name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ";
    }

    private static void AppendValue(Http1Connection connection, ref int position, string? value, string separator, ref bool first)
    {
        if (!first)
        {
            Append(connection, ref position, separator);
        }

        first = false;
        Check(value ?? "");
        Append(connection, ref position, value);
    }

    private static void WriteField(Http1Connection connection, ref int position, string name, string value)
    {
        Check(value);
        Append(connection, ref position, name);
        Append(connection, ref position, ": ");
        Append(connection, ref position, value);
        Append(connection, ref position, "\r\n");
    }

    /// <exception cref="HttpRequestException">CR, LF or NUL (they would split the head), or a character outside Latin-1.</exception>
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
