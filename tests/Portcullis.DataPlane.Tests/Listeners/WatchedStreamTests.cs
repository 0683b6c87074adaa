namespace Portcullis.DataPlane.Tests.Listeners;

using System.Net.Sockets;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Tests.TestSupport;

/// <summary>The socket stream under our own TLS: what it hands on and when it marks the connection busy.</summary>
public class WatchedStreamTests
{
    /// <summary>
    /// A read that went pending and completed before the stream looked at it (the data arrived in between, as on a
    /// loaded machine): the socket's reusable source behind it gives its result once, so the caller's await must
    /// still get the bytes rather than a used-up source.
    /// </summary>
    [Fact]
    public async Task Noted_ReadThatWentPendingAndHasCompleted_IsHandedOnWhole_AndMarksBusy()
    {
        var (client, server) = await SocketPair.LoopbackAsync();
        using (client)
        using (server)
        {
            using var watched = new TlsSocketConnection.WatchedStream(server);
            using var raw = new NetworkStream(server, ownsSocket: false);
            var buffer = new byte[16];
            var read = raw.ReadAsync(buffer);
            Assert.False(read.IsCompleted); // pending: backed by the socket's source
            client.Send("hello"u8);
            await SocketPair.UntilAsync(() => read.IsCompleted);

            Assert.Equal(5, await watched.Noted(read, zeroByte: false));
            Assert.NotEqual(0, watched.BusySince);
        }
    }

    [Fact]
    public async Task Noted_PendingZeroByteRead_IsHandedOnUntouched_AndLeavesTheConnectionUnmarked()
    {
        var (client, server) = await SocketPair.LoopbackAsync();
        using (client)
        using (server)
        {
            using var watched = new TlsSocketConnection.WatchedStream(server);
            var read = watched.ReadAsync(Memory<byte>.Empty);
            Assert.False(read.IsCompleted);
            client.Send("x"u8);
            Assert.Equal(0, await read);
            Assert.Equal(0, watched.BusySince); // a zero-byte read says data is there, not that it was read
        }
    }

    [Fact]
    public async Task ReadAsync_DataThatArrivesWhileWaiting_MarksBusyWhenItComes()
    {
        var (client, server) = await SocketPair.LoopbackAsync();
        using (client)
        using (server)
        {
            using var watched = new TlsSocketConnection.WatchedStream(server);
            var read = watched.ReadAsync(new byte[16]);
            Assert.False(read.IsCompleted);
            Assert.Equal(0, watched.BusySince);
            client.Send("hello"u8);
            Assert.Equal(5, await read);
            Assert.NotEqual(0, watched.BusySince);
        }
    }
}
