namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Net.Sockets;

internal static class FreePort
{
    /// <summary>An ephemeral port that was free a moment ago (bind port 0, read it, release it).</summary>
    public static int Find()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
