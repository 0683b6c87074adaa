// The floor: the least a .NET TLS-terminating HTTP/1.1 proxy can do per keep-alive request on this machine, to
// measure Portcullis's connection and HTTP layers against (bench/README.md, "Session 13"). Not a gateway: GET
// requests without a body, backend responses with Content-Length, one backend connection per client connection,
// no routing, no validation. It forwards what Portcullis forwards to the bench's backend (the client's fields,
// X-Forwarded-For/-Proto, X-Request-Id) and answers with the backend's head and body.
//
//   floor PORT CERT.pem KEY.pem BACKEND_ADDRESS BACKEND_PORT
//
// FLOOR_MODE picks what sits between the socket and SslStream, and how the client is read:
//   direct     SslStream on a NetworkStream, read when the next request is wanted (default)
//   readahead  direct, plus a loop that reads the SslStream ahead into a Pipe (what lets a server see a client
//              leave while a request waits for its backend)
//   transport  SslStream over Kestrel's socket transport (SocketConnectionContextFactory, inline scheduling), the
//              layer Portcullis's HTTPS connections use today, read when wanted
using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
using var pem = X509Certificate2.CreateFromPemFile(args[1], args[2]);
var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
var backend = new IPEndPoint(IPAddress.Parse(args[3]), int.Parse(args[4], CultureInfo.InvariantCulture));
var mode = Environment.GetEnvironmentVariable("FLOOR_MODE") ?? "direct";
if (mode is not ("direct" or "readahead" or "transport"))
{
    Console.Error.WriteLine($"FLOOR_MODE={mode}: expected direct, readahead or transport");
    return 2;
}

var options = new SslServerAuthenticationOptions
{
    ServerCertificateContext = SslStreamCertificateContext.Create(certificate, null),
    ApplicationProtocols = [SslApplicationProtocol.Http11],
};
using var transport = new SocketConnectionContextFactory(
    new SocketConnectionFactoryOptions { UnsafePreferInlineScheduling = true }, NullLogger.Instance);
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(4096);
Console.WriteLine($"floor ({mode}) on 127.0.0.1:{port}, backend {backend}");
while (true)
{
    var client = await listener.AcceptAsync();
    client.NoDelay = true;
    _ = ServeAsync(client);
}

async Task ServeAsync(Socket client)
{
    var remote = ((IPEndPoint)client.RemoteEndPoint!).Address.ToString();
    var connection = mode == "transport" ? transport.Create(client) : null;
    Stream inner = connection is null ? new NetworkStream(client, ownsSocket: true) : new DuplexPipeStream(connection.Transport);
    using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    var input = ArrayPool<byte>.Shared.Rent(16384);
    var head = ArrayPool<byte>.Shared.Rent(4096);
    var response = ArrayPool<byte>.Shared.Rent(16384);
    try
    {
        await using var tls = new SslStream(inner);
        await tls.AuthenticateAsServerAsync(options);
        await upstream.ConnectAsync(backend);
        var reader = mode == "readahead" ? ReadAhead(tls) : null;
        var buffered = 0;
        while (true)
        {
            // The request's head.
            int end;
            while ((end = input.AsSpan(0, buffered).IndexOf("\r\n\r\n"u8)) < 0)
            {
                var read = reader is null ? await tls.ReadAsync(input.AsMemory(buffered)) : await ReadAsync(reader, input.AsMemory(buffered));
                if (read == 0)
                {
                    return;
                }

                buffered += read;
            }

            var (length, close) = Rewrite(input.AsSpan(0, end + 4), head, remote);
            input.AsSpan(end + 4, buffered - end - 4).CopyTo(input);
            buffered -= end + 4;
            await upstream.SendAsync(head.AsMemory(0, length));

            // The backend's response: head and Content-Length body, sent on as they are.
            var received = 0;
            int headEnd;
            while ((headEnd = response.AsSpan(0, received).IndexOf("\r\n\r\n"u8)) < 0)
            {
                received += await ReceiveAsync(upstream, response.AsMemory(received));
            }

            var total = headEnd + 4 + ContentLength(response.AsSpan(0, headEnd + 4));
            while (received < total)
            {
                received += await ReceiveAsync(upstream, response.AsMemory(received));
            }

            await tls.WriteAsync(response.AsMemory(0, total));
            if (close)
            {
                return;
            }
        }
    }
    catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
    {
        // The client or the backend went away: this connection is done.
    }
    finally
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        ArrayPool<byte>.Shared.Return(input);
        ArrayPool<byte>.Shared.Return(head);
        ArrayPool<byte>.Shared.Return(response);
    }
}

// The request line and the client's fields without Connection, plus what Portcullis adds.
static (int Length, bool Close) Rewrite(ReadOnlySpan<byte> request, Span<byte> head, string remote)
{
    var lineEnd = request.IndexOf("\r\n"u8) + 2;
    request[..lineEnd].CopyTo(head);
    var written = lineEnd;
    var close = false;
    var fields = request[lineEnd..^2];
    while (!fields.IsEmpty)
    {
        var field = fields[..(fields.IndexOf("\r\n"u8) + 2)];
        fields = fields[field.Length..];
        if (field.Length > 11 && Ascii.EqualsIgnoreCase(field[..11], "Connection:"u8))
        {
            close = field.IndexOf("close"u8) >= 0;
            continue;
        }

        field.CopyTo(head[written..]);
        written += field.Length;
    }

    written += Encoding.ASCII.GetBytes(
        $"X-Forwarded-For: {remote}\r\nX-Forwarded-Proto: https\r\nX-Request-Id: {Guid.NewGuid()}\r\n\r\n", head[written..]);
    return (written, close);
}

static int ContentLength(ReadOnlySpan<byte> head)
{
    var at = head.IndexOf("\r\nContent-Length: "u8) + 18;
    return int.Parse(head[at..][..head[at..].IndexOf("\r\n"u8)], CultureInfo.InvariantCulture);
}

static async ValueTask<int> ReceiveAsync(Socket socket, Memory<byte> buffer)
{
    var received = await socket.ReceiveAsync(buffer);
    return received > 0 ? received : throw new IOException("the backend closed the connection");
}

// readahead: a loop keeps one read of the SslStream pending at all times and hands what it reads over through a Pipe.
static PipeReader ReadAhead(SslStream tls)
{
    var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
    _ = Task.Run(async () =>
    {
        try
        {
            while (true)
            {
                var read = await tls.ReadAsync(pipe.Writer.GetMemory(4096));
                if (read == 0)
                {
                    break;
                }

                pipe.Writer.Advance(read);
                if ((await pipe.Writer.FlushAsync()).IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The connection ended.
        }

        await pipe.Writer.CompleteAsync();
    });
    return pipe.Reader;
}

static async ValueTask<int> ReadAsync(PipeReader reader, Memory<byte> into)
{
    var result = await reader.ReadAsync();
    var take = (int)Math.Min(result.Buffer.Length, into.Length);
    result.Buffer.Slice(0, take).CopyTo(into.Span);
    reader.AdvanceTo(result.Buffer.GetPosition(take));
    return take;
}

// A Stream over Kestrel's transport pipes, as Kestrel's HTTPS middleware puts one under its SslStream.
internal sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
{
    private readonly Stream _input = pipe.Input.AsStream();
    private readonly Stream _output = pipe.Output.AsStream();

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _input.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _output.WriteAsync(buffer, offset, count, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
            _output.Dispose();
        }

        base.Dispose(disposing);
    }
}
