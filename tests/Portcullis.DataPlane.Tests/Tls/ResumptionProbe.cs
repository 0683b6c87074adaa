namespace Portcullis.DataPlane.Tests.Tls;

using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.DataPlane.Tests.TestSupport;

/// <summary>
/// One HTTPS request over a fresh connection, reporting whether the server resumed the TLS session. SslStream does not
/// say, so the bytes the server sends are recorded and its first flight is read: a TLS 1.3 ServerHello that accepts a
/// pre_shared_key, or a TLS 1.2 flight without a Certificate message. .NET clients offer the session they keep per
/// target host (one per host name, process-wide), so each test uses host names of its own.
/// </summary>
internal static class ResumptionProbe
{
    private const byte Handshake = 22;
    private const byte ChangeCipherSpec = 20;
    private const byte ServerHello = 2;
    private const byte CertificateMessage = 11;
    private const ushort PreSharedKey = 41;
    private const ushort SupportedVersions = 43;

    public sealed record Outcome(bool Resumed, string CommonName, string Status);

    /// <summary>GET / with Connection: close, read to the end (which also reads the TLS 1.3 session tickets).</summary>
    public static async Task<Outcome> GetAsync(int port, string host, SslProtocols protocol, X509Certificate2? clientCertificate = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var tap = new TapStream(new NetworkStream(socket, ownsSocket: false));
        await using var ssl = new SslStream(tap);
        await ssl.AuthenticateAsClientAsync(Options(host, protocol, clientCertificate));
        var commonName = TestCertificates.CommonNameOf(ssl.RemoteCertificate!);

        await ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        using var response = new MemoryStream();
        await ssl.CopyToAsync(response);
        var text = Encoding.ASCII.GetString(response.ToArray());
        var status = text.Length >= 12 ? text[..12] : text;
        return new Outcome(IsResumed(tap.Received), commonName, status);
    }

    /// <summary>
    /// A TLS connection to <paramref name="holder"/> (a name of its own, so the session kept for a probed host is not
    /// touched), left open without a request. While it lives, the server's context for the certificate the listener
    /// serves it and the client's context are in use. .NET's context cache drops every idle context each time 32 new
    /// ones were made, the tests running beside this one make contexts, and a session made in a dropped context does
    /// not resume: a test that expects resumption holds the contexts over its probes (a CI run failed so, session 22).
    /// </summary>
    public static async Task<IAsyncDisposable> HoldContextsAsync(int port, string holder, SslProtocols protocol)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await ssl.AuthenticateAsClientAsync(Options(holder, protocol, null));
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    private static SslClientAuthenticationOptions Options(string host, SslProtocols protocol, X509Certificate2? clientCertificate) => new()
    {
        TargetHost = host,
        EnabledSslProtocols = protocol,
        ApplicationProtocols = [SslApplicationProtocol.Http11],
        RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificates.IsIssuedByTestCa(certificate),
        ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
    };

    /// <summary>Reads the server's records up to its ChangeCipherSpec (or the end of what was recorded).</summary>
    internal static bool IsResumed(ReadOnlySpan<byte> received)
    {
        var sawServerHello = false;
        var sawCertificate = false;
        while (received.Length >= 5)
        {
            var type = received[0];
            var length = BinaryPrimitives.ReadUInt16BigEndian(received[3..]);
            if (received.Length < 5 + length)
            {
                break;
            }

            var body = received.Slice(5, length);
            received = received[(5 + length)..];
            if (type == ChangeCipherSpec)
            {
                break;
            }

            // Handshake messages in the clear: the ServerHello (both versions) and, in TLS 1.2, the Certificate.
            while (type == Handshake && body.Length >= 4)
            {
                var messageLength = (body[1] << 16) | (body[2] << 8) | body[3];
                var message = body.Slice(4, Math.Min(messageLength, body.Length - 4));
                if (body[0] == ServerHello)
                {
                    sawServerHello = true;
                    var (isTls13, acceptedPsk) = ReadServerHelloExtensions(message);
                    if (isTls13)
                    {
                        return acceptedPsk;
                    }
                }
                else if (body[0] == CertificateMessage)
                {
                    sawCertificate = true;
                }

                body = body[Math.Min(body.Length, 4 + messageLength)..];
            }
        }

        Assert.True(sawServerHello, "No ServerHello was recorded.");
        return !sawCertificate;
    }

    private static (bool IsTls13, bool AcceptedPsk) ReadServerHelloExtensions(ReadOnlySpan<byte> hello)
    {
        // version(2) random(32) session_id(1 + n) cipher_suite(2) compression(1) extensions(2 + n)
        var rest = hello[34..];
        rest = rest[(1 + rest[0])..][3..];
        if (rest.Length < 2)
        {
            return (false, false);
        }

        var extensions = rest.Slice(2, BinaryPrimitives.ReadUInt16BigEndian(rest));
        bool isTls13 = false, psk = false;
        while (extensions.Length >= 4)
        {
            var kind = BinaryPrimitives.ReadUInt16BigEndian(extensions);
            var length = BinaryPrimitives.ReadUInt16BigEndian(extensions[2..]);
            isTls13 |= kind == SupportedVersions;
            psk |= kind == PreSharedKey;
            extensions = extensions[(4 + length)..];
        }

        return (isTls13, psk);
    }

    /// <summary>Records the first bytes read from the server (its handshake flight is in the first few KB).</summary>
    private sealed class TapStream(Stream inner) : Stream
    {
        private readonly MemoryStream _received = new();

        public byte[] Received => _received.ToArray();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            if (_received.Length < 64 * 1024)
            {
                _received.Write(buffer.Span[..read]);
            }

            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                _received.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
