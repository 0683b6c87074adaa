namespace Portcullis.FunctionalTests.Infrastructure;

using System.Net;
using System.Net.Sockets;

/// <summary>Loopback addresses and ephemeral ports for tests; never anything off this machine.</summary>
internal static class Network
{
    private static readonly HashSet<int> HandedOut = [];
    private static int _nextPool = Random.Shared.Next(0, 200);

    /// <summary>
    /// A port free for TCP and UDP on the given loopback address (bound once to port 0, then released), never one this
    /// process was given before: once released, the kernel may hand the same port out again, and two
    /// listeners of one test on one port would be a conflict the test did not ask for.
    /// </summary>
    public static int FreePort(string address = "127.0.0.1")
    {
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            // Free for UDP too: the L4 gateways put UDP listeners on these numbers, and a UDP client elsewhere in the
            // suite may hold one the kernel gave out for TCP.
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Parse(address), port));
            }
            catch (SocketException)
            {
                continue;
            }

            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary>A /26 address pool of its own for each gateway a test starts, like a LoadBalancer IP pool.</summary>
    public static string NewAddressPool()
    {
        var n = Interlocked.Increment(ref _nextPool);
        return $"127.{100 + (n / 250 % 50)}.{n % 250}.0/26";
    }
}
