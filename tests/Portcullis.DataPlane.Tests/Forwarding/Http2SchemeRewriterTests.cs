namespace Portcullis.DataPlane.Tests.Forwarding;

using Portcullis.DataPlane.Forwarding.Reencrypt;

public class Http2SchemeRewriterTests
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private static byte[] Frame(byte type, byte flags, params byte[] payload) =>
        [(byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags, 0, 0, 0, 1, .. payload];

    // SETTINGS, then HEADERS for "GET" (0x82), :scheme http (0x86), :authority literal, :path "/" (0x84), then a DATA
    // frame whose payload happens to hold the same bytes.
    private static readonly byte[] Connection =
    [
        .. Preface,
        .. Frame(0x4, 0x0, 0, 3, 0, 0, 0, 100),
        .. Frame(0x1, 0x4, 0x82, 0x86, 0x41, 0x03, (byte)'a', (byte)'.', (byte)'b', 0x84),
        .. Frame(0x0, 0x1, 0x82, 0x86, 0x86),
    ];

    [Fact]
    public void Rewrite_GetRequestHeaders_ChangesOnlyTheSchemeByte()
    {
        var bytes = Connection.ToArray();

        new Http2SchemeRewriter(Stream.Null).Rewrite(bytes);

        var expected = Connection.ToArray();
        var scheme = Preface.Length + 9 + 6 + 9 + 1;
        expected[scheme] = 0x87;
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Rewrite_SplitAtEveryPossiblePoint_GivesTheSameResult()
    {
        var whole = Connection.ToArray();
        new Http2SchemeRewriter(Stream.Null).Rewrite(whole);
        for (var cut = 1; cut < Connection.Length; cut++)
        {
            var bytes = Connection.ToArray();
            var rewriter = new Http2SchemeRewriter(Stream.Null);
            rewriter.Rewrite(bytes.AsSpan(0, cut));
            rewriter.Rewrite(bytes.AsSpan(cut));
            Assert.Equal(whole, bytes);
        }
    }

    [Fact]
    public void Rewrite_LiteralMethodAndPaddedPriorityHeaders_FindsTheSchemeAfterThem()
    {
        // HEADERS with PADDED and PRIORITY: pad length 1, 5 priority bytes, then :method "PUT" as a literal without
        // indexing (name index 2), :scheme http, and one byte of padding.
        byte[] headers = [1, 0, 0, 0, 0, 16, 0x02, 0x03, (byte)'P', (byte)'U', (byte)'T', 0x86, 0x84, 0];
        byte[] bytes = [.. Preface, .. Frame(0x1, 0x8 | 0x20 | 0x4, headers)];

        new Http2SchemeRewriter(Stream.Null).Rewrite(bytes);

        Assert.Equal(0x87, bytes[Preface.Length + 9 + 11]);
        Assert.Equal(0x84, bytes[Preface.Length + 9 + 12]);
    }

    [Fact]
    public async Task WriteAsync_PassesTheRewrittenBytesOnAndReadsThrough()
    {
        using var inner = new MemoryStream();
        await using var stream = new Http2SchemeRewriter(inner);

        await stream.WriteAsync(Connection);

        Assert.Equal(0x87, inner.ToArray()[Preface.Length + 9 + 6 + 9 + 1]);
        Assert.Equal(Connection.Length, inner.Length);
    }
}
