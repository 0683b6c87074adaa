namespace Portcullis.DataPlane.Listeners;

using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Security;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

/// <summary>
/// The response of <see cref="Http1ServerConnection"/>: head and body go into one buffer and out in one TLS write per
/// flush, so a response that is written once (a proxied body) leaves in one record with its head, as Kestrel sends them.
/// The framing is Kestrel's: the Content-Length the application set (more bytes throw, fewer abort the connection),
/// else chunked, or <c>Content-Length: 0</c> when the response completes before any byte was written; none for HEAD,
/// 1xx, 204 and 304 (whatever is written is dropped).
/// </summary>
internal sealed class Http1ResponseWriter(SslStream ssl) : PipeWriter
{
    // Room kept before a chunk's data for its size line: 8 hex digits (leading zeros are allowed) and CRLF.
    private const int ChunkPrefix = 10;
    private const int MinimumSize = 4096;

    private static DateLine? s_date;

    private byte[]? _buffer;
    private int _length;
    private int _chunkStart = -1;
    private Framing _framing;
    private long _remaining;
    private bool _started;
    private bool _completed;
    private Http1ServerConnection? _owner;
    private bool _passDate; // a pass-through head's fields had a Date

    private enum Framing
    {
        None,
        Length,
        Chunked,
    }

    public bool HasStarted => _started;

    /// <summary>Whether the body fell short of its Content-Length when it completed (the connection must then close).</summary>
    public bool Short => _completed && _framing == Framing.Length && _remaining > 0;

    public void Reset(Http1ServerConnection owner)
    {
        _owner = owner;
        _length = 0;
        _chunkStart = -1;
        _framing = Framing.None;
        _remaining = 0;
        _started = false;
        _completed = false;
    }

    /// <summary>Returns the buffer to the pool: an idle connection holds none.</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Start(completing: false);
        if (_framing == Framing.Chunked && _chunkStart < 0)
        {
            Ensure(ChunkPrefix);
            _chunkStart = _length;
            _length += ChunkPrefix;
        }

        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_framing == Framing.None)
        {
            return; // HEAD, 1xx, 204, 304: the body is not sent
        }

        if (_framing == Framing.Length)
        {
            _remaining -= bytes;
            if (_remaining < 0)
            {
                throw new InvalidOperationException("Response Content-Length mismatch: too many bytes written.");
            }
        }

        _length += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        Start(completing: false);
        return SendAsync(cancellationToken);
    }

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null) => CompleteAsync(exception).AsTask().GetAwaiter().GetResult();

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        if (exception is not null)
        {
            _completed = true;
            _owner!.Abort(); // as Kestrel: a body completed with an error is not ended as if it were whole
            return;
        }

        Start(completing: true);
        _completed = true;
        if (_framing == Framing.Chunked)
        {
            CloseChunk();
            Ensure(5);
            "0\r\n\r\n"u8.CopyTo(_buffer.AsSpan(_length));
            _length += 5;
        }

        await SendAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Writes the head into the buffer the first time anything is written, flushed or completed.</summary>
    public void Start(bool completing)
    {
        if (_started)
        {
            return;
        }

        var owner = _owner!;
        owner.RunOnStarting();
        _started = true;
        var headers = owner.ResponseHeaders;
        var status = owner.StatusCode;
        if (owner.DropsBody)
        {
            _framing = Framing.None;
        }
        else if (headers.ContentLength is { } length)
        {
            _framing = Framing.Length;
            _remaining = length;
        }
        else if (completing)
        {
            headers.ContentLength = 0;
            _framing = Framing.Length;
        }
        else
        {
            _framing = Framing.Chunked;
        }

        headers.Remove("Transfer-Encoding");
        if (owner.ClosesAfterResponse && !headers.ContainsKey("Connection"))
        {
            headers["Connection"] = "close";
        }

        WriteHead(status, owner.ReasonPhrase, headers, _framing == Framing.Chunked);
        headers.IsReadOnly = true;
    }

    private void WriteHead(int status, string? reason, HeaderDictionary headers, bool chunked)
    {
        WriteStatusLine(status, reason);
        var hasDate = false;
        foreach (var (name, values) in headers)
        {
            hasDate |= IsDate(name);
            foreach (var value in values)
            {
                if (value is not null)
                {
                    WriteField(name, value);
                }
            }
        }

        EndHead(hasDate, chunked);
    }

    /// <summary>
    /// Starts a proxied response's head from the backend's, as its fields are read (<see cref="TryPassField"/>), instead
    /// of from the response's header dictionary: what <see cref="Start"/> would write for a response that nothing but
    /// the backend's head set (field names in the backend's case), with less work per request. Only for a response
    /// nothing has been set on yet (<see cref="Http1ServerConnection.UntouchedResponse"/>); <see cref="CancelPassThrough"/>
    /// takes it back.
    /// </summary>
    internal void BeginPassThrough(int status, string? reason)
    {
        Debug.Assert(!_started && _length == 0, "a pass-through head starts an untouched response");
        _passDate = false;
        WriteStatusLine(status, reason);
    }

    /// <summary>A backend field passed on as it is (dropping hop-by-hop ones is the caller's); false, with nothing written, for a character Kestrel refuses in a response header.</summary>
    internal bool TryPassField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!IsFieldText(name) || !IsFieldText(value))
        {
            return false;
        }

        _passDate |= Ascii.EqualsIgnoreCase(name, "Date"u8);
        Ensure(name.Length + value.Length + 4);
        var span = _buffer.AsSpan(_length);
        name.CopyTo(span);
        ": "u8.CopyTo(span[name.Length..]);
        value.CopyTo(span[(name.Length + 2)..]);
        "\r\n"u8.CopyTo(span[(name.Length + 2 + value.Length)..]);
        _length += name.Length + value.Length + 4;
        return true;
    }

    /// <summary>Ends the head of a body of <paramref name="contentLength"/> bytes (one of its passed fields said so); the response has started.</summary>
    internal void EndPassThrough(int status, string? reason, long contentLength)
    {
        var owner = _owner!;
        owner.StatusCode = status;
        owner.ReasonPhrase = reason;
        if (owner.ClosesAfterResponse)
        {
            WriteField("Connection", "close");
        }

        EndHead(_passDate, chunked: false);
        _started = true;
        _framing = Framing.Length;
        _remaining = contentLength;
        owner.ResponseHeaders.IsReadOnly = true;
        owner.CountPassThrough();
    }

    /// <summary>Takes back what <see cref="BeginPassThrough"/> wrote: the response is untouched again.</summary>
    internal void CancelPassThrough() => _length = 0;

    private static bool IsDate(string name) => name.Equals("Date", StringComparison.OrdinalIgnoreCase);

    private void WriteStatusLine(int status, string? reason)
    {
        reason ??= ReasonPhrases.GetReasonPhrase(status);
        Ensure(64 + reason.Length);
        var span = _buffer.AsSpan(_length);
        "HTTP/1.1 "u8.CopyTo(span);
        Utf8Formatter.TryFormat(status, span[9..], out var digits);
        var at = 9 + digits;
        span[at++] = (byte)' ';
        at += WriteAscii(reason, span[at..]);
        "\r\n"u8.CopyTo(span[at..]);
        _length += at + 2;
    }

    private void WriteField(string name, string value)
    {
        Ensure(name.Length + value.Length + 4);
        var span = _buffer.AsSpan(_length);
        var at = WriteAscii(name, span);
        ": "u8.CopyTo(span[at..]);
        at += 2;
        at += WriteAscii(value, span[at..]);
        "\r\n"u8.CopyTo(span[at..]);
        _length += at + 2;
    }

    /// <summary>The Date line unless the fields had one, the chunked coding when the body is chunked, and the blank line.</summary>
    private void EndHead(bool hasDate, bool chunked)
    {
        var date = hasDate ? default : CurrentDate();
        Ensure(date.Length + 32);
        var span = _buffer.AsSpan(_length);
        date.CopyTo(span);
        var at = date.Length;
        if (chunked)
        {
            "Transfer-Encoding: chunked\r\n"u8.CopyTo(span[at..]);
            at += 28;
        }

        "\r\n"u8.CopyTo(span[at..]);
        _length += at + 2;
    }

    /// <summary>What <see cref="WriteAscii"/> takes: no control character but tab, nothing beyond ASCII.</summary>
    private static bool IsFieldText(ReadOnlySpan<byte> text)
    {
        int at;
        while ((at = text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E)) >= 0)
        {
            if (text[at] != (byte)'\t')
            {
                return false;
            }

            text = text[(at + 1)..];
        }

        return true;
    }

    /// <summary>As Kestrel refuses them: a control character (but tab) or a non-ASCII one in a response header throws.</summary>
    private static int WriteAscii(string text, Span<byte> destination)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c > 0x7E || (c < 0x20 && c != '\t'))
            {
                throw new InvalidOperationException($"Invalid non-ASCII or control character in header: 0x{(int)c:X4}");
            }

            destination[i] = (byte)c;
        }

        return text.Length;
    }

    private ValueTask<FlushResult> SendAsync(CancellationToken cancellationToken)
    {
        CloseChunk();
        if (_length == 0)
        {
            return new ValueTask<FlushResult>(default(FlushResult));
        }

        var write = ssl.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        _length = 0;
        return write.IsCompletedSuccessfully ? new ValueTask<FlushResult>(default(FlushResult)) : AwaitSendAsync(write, _owner!);
    }

    /// <summary>A client that does not read: the write may wait <see cref="Http1Timeouts.Write"/>, then the connection is aborted.</summary>
    private static async ValueTask<FlushResult> AwaitSendAsync(ValueTask write, Http1ServerConnection owner)
    {
        owner.WriteStarted();
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            owner.WriteEnded();
        }

        return default;
    }

    /// <summary>Fills in the open chunk's size line, or takes it back when no data followed it.</summary>
    private void CloseChunk()
    {
        if (_chunkStart < 0)
        {
            return;
        }

        var size = _length - _chunkStart - ChunkPrefix;
        if (size == 0)
        {
            _length = _chunkStart;
        }
        else
        {
            var prefix = _buffer.AsSpan(_chunkStart, ChunkPrefix);
            Utf8Formatter.TryFormat(size, prefix, out _, new System.Buffers.StandardFormat('X', 8));
            "\r\n"u8.CopyTo(prefix[8..]);
            Ensure(2);
            "\r\n"u8.CopyTo(_buffer.AsSpan(_length));
            _length += 2;
        }

        _chunkStart = -1;
    }

    private void Ensure(int free)
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumSize, free));
            return;
        }

        if (_buffer.Length - _length < free)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + free));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }

    /// <summary>The Date line, made once a second (Kestrel's is refreshed by its heartbeat).</summary>
    private static ReadOnlySpan<byte> CurrentDate()
    {
        var second = Environment.TickCount64 / 1000;
        var date = Volatile.Read(ref s_date);
        if (date is null || date.Second != second)
        {
            var text = "Date: " + DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture) + "\r\n";
            date = new DateLine(second, System.Text.Encoding.ASCII.GetBytes(text));
            Volatile.Write(ref s_date, date);
        }

        return date.Line;
    }

    private sealed record DateLine(long Second, byte[] Line);
}
