namespace Portcullis.DataPlane.Listeners;

using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

/// <summary>What <see cref="Http1RequestParser.Parse"/> made of the bytes it was given.</summary>
internal enum Http1ParseResult
{
    /// <summary>The head is not complete yet.</summary>
    NeedMore,

    /// <summary>A complete head this server serves: a request without a body, in the plainest form.</summary>
    Parsed,

    /// <summary>Anything else (a body, an upgrade, HTTP/1.0, an unusual target, anything malformed): Kestrel serves it.</summary>
    HandOver,
}

/// <summary>The parts of a request head <see cref="Http1RequestParser"/> hands on.</summary>
internal interface IHttp1RequestSink
{
    void OnRequestLine(string method, string path, string query, string rawTarget);

    void OnHeader(string name, string value);
}

/// <summary>
/// A deliberately narrow HTTP/1.1 request-head parser for <see cref="Http1ServerConnection"/>: it accepts only heads it
/// understands exactly as Kestrel would and leaves everything else to Kestrel, which then parses the same bytes again
/// and answers as it always has (400, 431, a body, an upgrade). Accepted: <c>METHOD SP /origin-form SP HTTP/1.1 CRLF</c>,
/// a path of plain characters (no '%', no dot segment, which Kestrel would decode or remove), header fields of token
/// names and visible-ASCII values, exactly one plain Host, at most <see cref="MaxFields"/> fields, and no
/// Content-Length, Transfer-Encoding, Expect or Upgrade (a request that may have a body or change protocols).
/// </summary>
internal static class Http1RequestParser
{
    /// <summary>Kestrel's defaults: MaxRequestLineSize 8 KiB, MaxRequestHeadersTotalSize 32 KiB, MaxRequestHeaderCount 100.</summary>
    public const int MaxRequestLine = 8 * 1024;

    public const int MaxFieldsSize = 32 * 1024;

    public const int MaxHeadSize = MaxRequestLine + MaxFieldsSize;

    public const int MaxFields = 100;

    // RFC 9110 tchar.
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Visible ASCII, space and tab: a value Kestrel takes as it is (it refuses control characters; non-ASCII is its call).
    private static readonly SearchValues<byte> ValueChars = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"u8);

    // RFC 3986 pchar without pct-encoded, plus '/': what Kestrel leaves as it is in a path.
    private static readonly SearchValues<byte> PathChars =
        SearchValues.Create("/-._~!$&'()*+,;=:@0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // The query as Kestrel keeps it (undecoded): pchar, '/', '?' and pct-encoded.
    private static readonly SearchValues<byte> QueryChars =
        SearchValues.Create("/?%-._~!$&'()*+,;=:@0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // A host name or an address literal, with a port.
    private static readonly SearchValues<byte> HostChars =
        SearchValues.Create("-.:[]0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>
    /// Parses the head at the start of <paramref name="buffer"/>; on <see cref="Http1ParseResult.Parsed"/>,
    /// <paramref name="consumed"/> is its length and <paramref name="sink"/> has had its parts, and
    /// <paramref name="close"/> says whether the client asked to close the connection after the response.
    /// </summary>
    public static Http1ParseResult Parse<TSink>(ReadOnlySpan<byte> buffer, ref TSink sink, Http1Strings strings, out int consumed, out bool close)
        where TSink : IHttp1RequestSink
    {
        consumed = 0;
        close = false;
        var headEnd = buffer.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return buffer.Length >= MaxHeadSize ? Http1ParseResult.HandOver : Http1ParseResult.NeedMore;
        }

        if (headEnd + 4 > MaxHeadSize)
        {
            return Http1ParseResult.HandOver;
        }

        var head = buffer[..(headEnd + 2)]; // every line with its CRLF
        var lineEnd = head.IndexOf("\r\n"u8);
        if (lineEnd + 2 > MaxRequestLine || head.Length - lineEnd - 2 > MaxFieldsSize || !TryRequestLine(head[..lineEnd], ref sink, strings))
        {
            return Http1ParseResult.HandOver;
        }

        var fields = head[(lineEnd + 2)..];
        var hosts = 0;
        for (var index = 0; !fields.IsEmpty; index++)
        {
            var end = fields.IndexOf("\r\n"u8);
            var line = fields[..end];
            fields = fields[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (index == MaxFields || colon <= 0 || line[..colon].ContainsAnyExcept(TokenChars))
            {
                return Http1ParseResult.HandOver; // too many, an obs-fold, no name, or a bad one (space before the colon too)
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (value.ContainsAnyExcept(ValueChars))
            {
                return Http1ParseResult.HandOver;
            }

            switch (Classify(name))
            {
                case Field.HandOver:
                    return Http1ParseResult.HandOver;
                case Field.Host:
                    if (++hosts > 1 || value.IsEmpty || value.ContainsAnyExcept(HostChars))
                    {
                        return Http1ParseResult.HandOver;
                    }

                    break;
                case Field.Connection:
                    if (HasToken(value, "upgrade"u8))
                    {
                        return Http1ParseResult.HandOver;
                    }

                    close |= HasToken(value, "close"u8);
                    break;
            }

            var nameString = Forwarding.Http1.Http1HeaderCache.Name(name);
            sink.OnHeader(nameString, strings.Value(index, nameString, value));
        }

        if (hosts != 1)
        {
            return Http1ParseResult.HandOver; // HTTP/1.1 requires one (Kestrel answers 400 without)
        }

        consumed = headEnd + 4;
        return Http1ParseResult.Parsed;
    }

    private static bool TryRequestLine<TSink>(ReadOnlySpan<byte> line, ref TSink sink, Http1Strings strings)
        where TSink : IHttp1RequestSink
    {
        var space = line.IndexOf((byte)' ');
        if (space <= 0 || line[..space].ContainsAnyExcept(TokenChars))
        {
            return false;
        }

        var method = line[..space];
        var rest = line[(space + 1)..];
        space = rest.IndexOf((byte)' ');
        if (space <= 0 || !rest[(space + 1)..].SequenceEqual("HTTP/1.1"u8))
        {
            return false; // HTTP/1.0 and anything else is Kestrel's
        }

        var target = rest[..space];
        if (target[0] != (byte)'/')
        {
            return false; // absolute-form, authority-form, asterisk-form
        }

        var question = target.IndexOf((byte)'?');
        var path = question < 0 ? target : target[..question];
        var query = question < 0 ? default : target[question..];
        if (path.ContainsAnyExcept(PathChars) || path.IndexOf("/."u8) >= 0 || query.Length > 1 && query[1..].ContainsAnyExcept(QueryChars))
        {
            return false;
        }

        strings.Target(method, target, question, ref sink);
        return true;
    }

    private enum Field
    {
        Other,
        Host,
        Connection,
        HandOver,
    }

    private static Field Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when Ascii.EqualsIgnoreCase(name, "Host"u8) => Field.Host,
        6 when Ascii.EqualsIgnoreCase(name, "Expect"u8) => Field.HandOver,
        7 when Ascii.EqualsIgnoreCase(name, "Upgrade"u8) => Field.HandOver,
        10 when Ascii.EqualsIgnoreCase(name, "Connection"u8) => Field.Connection,
        14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8) => Field.HandOver,
        17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) => Field.HandOver,
        _ => Field.Other,
    };

    /// <summary>Whether a comma-separated list holds <paramref name="token"/> (case-insensitive), as Connection's options.</summary>
    internal static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var range in list.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(list[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The strings of one connection's request heads without allocating for the ones that repeat: common methods and
/// field names are interned, and the previous request's target and field values are reused when the bytes match (a
/// client sends the same Host, User-Agent and Accept request after request).
/// </summary>
internal sealed class Http1Strings
{
    private readonly Forwarding.Http1.Http1HeaderCache _values = new();
    private byte[] _target = [];
    private string _path = "/";
    private string _query = string.Empty;
    private string _rawTarget = "/";
    private string _method = HttpMethods.Get;

    public string Value(int index, string name, ReadOnlySpan<byte> bytes) => _values.Value(index, name, bytes);

    public void Target<TSink>(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, int question, ref TSink sink)
        where TSink : IHttp1RequestSink
    {
        if (!target.SequenceEqual(_target))
        {
            _target = target.ToArray();
            _rawTarget = Encoding.ASCII.GetString(target);
            _path = question < 0 ? _rawTarget : _rawTarget[..question];
            _query = question < 0 ? string.Empty : _rawTarget[question..];
        }

        if (!Ascii.Equals(method, _method))
        {
            _method = Method(method);
        }

        sink.OnRequestLine(_method, _path, _query, _rawTarget);
    }

    private static string Method(ReadOnlySpan<byte> method) => method switch
    {
        _ when method.SequenceEqual("GET"u8) => HttpMethods.Get,
        _ when method.SequenceEqual("HEAD"u8) => HttpMethods.Head,
        _ when method.SequenceEqual("POST"u8) => HttpMethods.Post,
        _ when method.SequenceEqual("PUT"u8) => HttpMethods.Put,
        _ when method.SequenceEqual("DELETE"u8) => HttpMethods.Delete,
        _ when method.SequenceEqual("OPTIONS"u8) => HttpMethods.Options,
        _ when method.SequenceEqual("PATCH"u8) => HttpMethods.Patch,
        _ => Encoding.ASCII.GetString(method),
    };
}
