namespace Portcullis.DataPlane;

/// <summary>
/// Process-wide runtime settings the data plane wants that the runtime only reads from the environment (no
/// runtimeconfig property exists for them), applied by the executable before it creates its first socket.
/// </summary>
public static class ProcessTuning
{
    /// <summary>
    /// Runs socket completions on the runtime's epoll thread instead of queueing each one to the thread pool.
    /// With Kestrel's inline scheduling (<see cref="ProxyServerOptions.InlineScheduling"/>) a keep-alive request then
    /// runs from the socket event to the backend call and back without a thread hop: measured with bench/cpu.sh on one
    /// core, epoll_wait calls per request drop from 1.1 to 0.03, and CPU per request from 247 to 145 us (h1) and from
    /// 1,293 to 845 us (new TLS connections) on a loaded machine. Same trade as inline scheduling: a slow synchronous
    /// step delays the other sockets of its epoll thread, and the proxy's request and handshake code has none.
    /// </summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns <see cref="InlineSocketCompletions"/> on unless the environment already says (=0 turns it off). Must run
    /// before the process's first socket operation: the runtime reads the variable once, when its socket engine starts.
    /// </summary>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
        }
    }
}
