namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

/// <summary>
/// An HTTP/1.1 client over one TLS connection that writes exactly the bytes it is given (pipelined, malformed) and reads
/// responses as they come: head, then a Content-Length or chunked body (the chunk framing is checked, not hidden).
/// </summary>
internal sealed class RawHttp1Client : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _ssl;
    private readonly List<byte> _buffered = [];

    private RawHttp1Client(TcpClient tcp, SslStream ssl)
    {
        _tcp = tcp;
        _ssl = ssl;
    }

    public static async Task<RawHttp1Client> ConnectAsync(int port, string serverName)
    {
        var (tcp, ssl) = await ProxyFixture.ConnectTlsAsync(port, serverName, SslApplicationProtocol.Http11);
        return new RawHttp1Client(tcp, ssl);
    }

    public Task SendAsync(string text) => _ssl.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <param name="head">A HEAD request's response: no body whatever its framing says.</param>
    public async Task<RawResponse> ReadAsync(bool head = false)
    {
        var headText = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n\r\n"u8.ToArray()));
        var lines = headText[..^4].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines[1..].Select(l => (Name: l[..l.IndexOf(':', StringComparison.Ordinal)], Value: l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())).ToList();
        var response = new RawResponse(lines[0], status, headers, string.Empty);
        if (head || status is 204 or 304 or < 200)
        {
            return response;
        }

        if (response.Header("Transfer-Encoding") is "chunked")
        {
            var body = new StringBuilder();
            while (true)
            {
                var sizeLine = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n"u8.ToArray()))[..^2];
                var size = int.Parse(sizeLine, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var data = await ReadExactlyAsync(size + 2);
                Assert.Equal("\r\n", Encoding.ASCII.GetString(data, size, 2));
                if (size == 0)
                {
                    return response with { Body = body.ToString(), Chunked = true };
                }

                body.Append(Encoding.UTF8.GetString(data, 0, size));
            }
        }

        if (response.Header("Content-Length") is not { } length)
        {
            // Neither: the body ends where the connection does (an HTTP/1.0 exchange).
            while (await TryFillAsync())
            {
            }

            return response with { Body = Encoding.UTF8.GetString(Take(_buffered.Count)) };
        }

        return response with { Body = Encoding.UTF8.GetString(await ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture))) };
    }

    /// <summary>True when the server closed the connection (nothing more arrives) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan timeout)
    {
        if (_buffered.Count > 0)
        {
            return false;
        }

        using var limit = new CancellationTokenSource(timeout);
        try
        {
            var chunk = new byte[256];
            return await _ssl.ReadAsync(chunk, limit.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset
        }
    }

    private async Task<byte[]> ReadUntilAsync(byte[] end)
    {
        while (true)
        {
            var at = IndexOf(end);
            if (at >= 0)
            {
                return Take(at + end.Length);
            }

            await FillAsync();
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        while (_buffered.Count < count)
        {
            await FillAsync();
        }

        return Take(count);
    }

    private async Task FillAsync()
    {
        if (!await TryFillAsync())
        {
            throw new EndOfStreamException("The server closed the connection.");
        }
    }

    private async Task<bool> TryFillAsync()
    {
        var chunk = new byte[4096];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await _ssl.ReadAsync(chunk, limit.Token);
        _buffered.AddRange(chunk.AsSpan(0, read));
        return read > 0;
    }

    private int IndexOf(byte[] value) => CollectionsMarshal.AsSpan(_buffered).IndexOf(value);

    private byte[] Take(int count)
    {
        var taken = _buffered.GetRange(0, count).ToArray();
        _buffered.RemoveRange(0, count);
        return taken;
    }

    public async ValueTask DisposeAsync()
    {
        await _ssl.DisposeAsync();
        _tcp.Dispose();
    }
}

internal sealed record RawResponse(string StatusLine, int Status, List<(string Name, string Value)> Headers, string Body)
{
    public bool Chunked { get; init; }

    public string? Header(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
}
