namespace Portcullis.DataPlane.Forwarding;

using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

/// <summary>What a session value says, once its MAC has been checked.</summary>
/// <param name="EndpointId">Keyed hash of the rule, backend and endpoint the session sticks to.</param>
internal readonly record struct SessionToken(string EndpointId, DateTimeOffset Issued, DateTimeOffset LastSeen);

/// <summary>
/// Session cookie and header values: the endpoint a session sticks to as a keyed hash (so the value never shows a
/// backend address), the session's issue and last-use times (for absoluteTimeout and idleTimeout), and a MAC over
/// all of it (so a client cannot extend a session or name an endpoint), in base64url, which cookie values and headers
/// carry unescaped. The key lives as long as the process, so
/// sessions survive a config reload that keeps their endpoint; PORTCULLIS_SESSION_KEY shares it between replicas.
/// </summary>
internal sealed class SessionTokens
{
    public const string KeyVariable = "PORTCULLIS_SESSION_KEY";

    private const byte Version = 1;
    private const int IdLength = 12;
    private const int MacLength = 16;
    private const int PayloadLength = 1 + IdLength + 8 + 8;

    private readonly byte[] _key;

    public SessionTokens(ReadOnlySpan<byte> key) => _key = key.ToArray();

    /// <summary>The process's tokens: keyed by PORTCULLIS_SESSION_KEY when set, else by a random key.</summary>
    public static SessionTokens Shared { get; } = new(Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } secret
        ? SHA256.HashData(Encoding.UTF8.GetBytes(secret))
        : RandomNumberGenerator.GetBytes(32));

    /// <summary>The opaque identity of one endpoint of one backend of one rule (the same for every config that keeps them).</summary>
    public string EndpointId(string ruleKey, string backend, string destination)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"endpoint\n{ruleKey}\n{backend}\n{destination}"), hash);
        return Convert.ToBase64String(hash[..IdLength]);
    }

    public string Encode(string endpointId, DateTimeOffset issued, DateTimeOffset lastSeen)
    {
        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        token[0] = Version;
        if (!Convert.TryFromBase64String(endpointId, token.Slice(1, IdLength), out var written) || written != IdLength)
        {
            throw new ArgumentException("not an endpoint id of these tokens", nameof(endpointId));
        }

        BinaryPrimitives.WriteInt64BigEndian(token.Slice(1 + IdLength, 8), issued.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(token.Slice(1 + IdLength + 8, 8), lastSeen.ToUnixTimeMilliseconds());
        Mac(token[..PayloadLength], token[PayloadLength..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>False for anything this process did not issue (another key, a changed byte, another format).</summary>
    public bool TryDecode(string? value, out SessionToken token)
    {
        token = default;
        Span<byte> bytes = stackalloc byte[PayloadLength + MacLength];
        if (value is null || value.Length != Base64Url.GetEncodedLength(bytes.Length)
            || !Base64Url.TryDecodeFromChars(value, bytes, out var written) || written != bytes.Length || bytes[0] != Version)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Mac(bytes[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[PayloadLength..]))
        {
            return false;
        }

        token = new SessionToken(
            Convert.ToBase64String(bytes.Slice(1, IdLength)),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(bytes.Slice(1 + IdLength, 8))),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(bytes.Slice(1 + IdLength + 8, 8))));
        return true;
    }

    private void Mac(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_key, payload, hash);
        hash[..MacLength].CopyTo(destination);
    }
}
