namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Net.Sockets;

internal static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// An ephemeral port that was free for both TCP and UDP a moment ago (bind port 0 for TCP, bind the same number
    /// for UDP, read it, release both), never one this process was given before: a released port may come back from
    /// the kernel on the next call. Another process or test may still take it before the caller binds: callers that
    /// cannot tolerate that use <see cref="RetryWhileTaken"/>.
    /// </summary>
    public static int Find()
    {
        while (true)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
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

    /// <summary>
    /// Runs <paramref name="attempt"/> with a fresh port until it reports the port free (at most five times): the
    /// suite runs tests in parallel, and an outgoing connection or UDP client elsewhere can be given the number
    /// between <see cref="Find"/> and the bind.
    /// </summary>
    public static async Task<(int Port, T Result)> RetryWhileTaken<T>(Func<int, Task<T>> attempt, Func<T, bool> taken)
    {
        for (var tries = 1; ; tries++)
        {
            var port = Find();
            var result = await attempt(port);
            if (!taken(result) || tries == 5)
            {
                return (port, result);
            }
        }
    }
}
