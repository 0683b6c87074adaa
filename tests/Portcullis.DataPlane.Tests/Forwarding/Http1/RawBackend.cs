namespace Portcullis.DataPlane.Tests.Forwarding.Http1;

using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// A backend that speaks whatever bytes a test scripts, one script call per request: the tests of the HTTP/1.1
/// client need framings, closes and malformed heads that a real server would not produce on demand.
/// </summary>
internal sealed class RawBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Request, Stream, Task<bool>> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _accepted;

    /// <param name="script">Answers one request; returns false to close the connection afterwards.</param>
    public RawBackend(Func<Request, Stream, Task<bool>> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections the client opened.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    public List<Request> Requests { get; } = [];

    public Uri Uri(string pathAndQuery = "/") => new($"http://127.0.0.1:{Port}{pathAndQuery}");

    public static Task<bool> Write(Stream stream, string text, bool keepOpen = true) => WriteAsync(stream, text, keepOpen);

    /// <summary>Writes in pieces of <paramref name="size"/> bytes, each flushed: the client sees lines and chunks split.</summary>
    public static async Task<bool> WritePiecewise(Stream stream, string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            await WriteAsync(stream, text.Substring(i, Math.Min(size, text.Length - i)), keepOpen: true);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        await Task.WhenAll(_connections.ToArray()).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private static async Task<bool> WriteAsync(Stream stream, string text, bool keepOpen)
    {
        await stream.WriteAsync(Encoding.Latin1.GetBytes(text));
        await stream.FlushAsync();
        return keepOpen;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _accepted);
            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffered = new List<byte>();
            var chunk = new byte[4096];
            try
            {
                while (true)
                {
                    int end;
                    while ((end = IndexOfHeadEnd(buffered)) < 0)
                    {
                        var n = await stream.ReadAsync(chunk, _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }

                        buffered.AddRange(chunk.AsSpan(0, n));
                    }

                    var head = Encoding.Latin1.GetString(buffered.GetRange(0, end).ToArray());
                    buffered.RemoveRange(0, end + 4);
                    var length = ContentLength(head);
                    while (buffered.Count < length)
                    {
                        var n = await stream.ReadAsync(chunk, _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }

                        buffered.AddRange(chunk.AsSpan(0, n));
                    }

                    var request = new Request(head, Encoding.Latin1.GetString(buffered.GetRange(0, length).ToArray()));
                    buffered.RemoveRange(0, length);
                    lock (Requests)
                    {
                        Requests.Add(request);
                    }

                    if (!await _script(request, stream))
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
            }
        }
    }

    private static int IndexOfHeadEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    private static int ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>One request as the backend received it: the head (request line and fields, no final CRLF) and the body.</summary>
    internal sealed record Request(string Head, string Body)
    {
        public string Line => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];
    }
}
