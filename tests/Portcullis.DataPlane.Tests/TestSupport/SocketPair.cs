namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Net.Sockets;

/// <summary>Two connected sockets for tests that look at one end while driving the other; the caller disposes both.</summary>
internal static class SocketPair
{
    /// <summary>A TCP connection on 127.0.0.1 (an ephemeral port).</summary>
    public static Task<(Socket Client, Socket Server)> LoopbackAsync() =>
        ConnectAsync(new IPEndPoint(IPAddress.Loopback, 0), ProtocolType.Tcp);

    /// <summary>A stream connection through a listener bound to <paramref name="endPoint"/> (e.g. a Unix-domain path).</summary>
    public static async Task<(Socket Client, Socket Server)> ConnectAsync(EndPoint endPoint, ProtocolType protocol)
    {
        using var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, protocol);
        listener.Bind(endPoint);
        listener.Listen();
        var client = new Socket(endPoint.AddressFamily, SocketType.Stream, protocol);
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await listener.AcceptAsync());
    }

    /// <summary>Waits for what the other end did to show on this one: loopback delivers at once, the 10 s only cover a loaded machine.</summary>
    public static async Task UntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 10 s");
            await Task.Delay(10);
        }
    }
}
