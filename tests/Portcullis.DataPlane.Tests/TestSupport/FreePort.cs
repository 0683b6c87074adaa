namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Net.Sockets;

internal static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// An ephemeral port that was free a moment ago (bind port 0, read it, release it), never one this process
    /// was given before: a released port may come back from the kernel on the next call.
    /// </summary>
    public static int Find()
    {
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
