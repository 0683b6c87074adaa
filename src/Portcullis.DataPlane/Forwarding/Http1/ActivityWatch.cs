namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Collections.Concurrent;

/// <summary>
/// Enforces the direct forwarder's long activity timeouts (the 100 s default) on backend connections by a sweep, so a
/// request does not move a timer: each connection keeps its deadline in a field (<see cref="Http1Connection.Arm"/>,
/// <see cref="Http1Connection.Touch"/>), and once an <see cref="Interval"/> the connections past theirs are cancelled,
/// as the timer would have cancelled them, at most one interval late.
/// </summary>
/// <remarks>
/// Why: a timer per request (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> when the request starts and
/// when the backend's head arrives, a reset when it ends) cost 0.6-1 µs of a ~25 µs keep-alive request (bench/cpu.py,
/// bench/README.md "Session 16"). Timeouts shorter than <see cref="Covers"/> allows (a route's timeout, a short
/// activity timeout) keep the timer: one interval late would be a large part of them.
/// </remarks>
internal sealed class ActivityWatch : IDisposable
{
    /// <summary>The watch of the gateway's forwarders: a sweep a second, for timeouts of 10 s and more.</summary>
    public static readonly ActivityWatch Shared = new(TimeSpan.FromSeconds(1));

    private readonly ConcurrentDictionary<Http1Connection, byte> _connections = new();
    private readonly Timer _sweeper;
    private int _started;

    public ActivityWatch(TimeSpan interval)
    {
        Interval = interval;
        _sweeper = new Timer(static s => ((ActivityWatch)s!).Sweep(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public TimeSpan Interval { get; }

    /// <summary>Whether a timeout is long enough for the sweep: ten intervals or more (at most 10% late).</summary>
    public bool Covers(TimeSpan timeout) => timeout != Timeout.InfiniteTimeSpan && timeout >= 10 * Interval;

    public void Add(Http1Connection connection)
    {
        _connections.TryAdd(connection, 0);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _sweeper.Change(Interval, Interval);
        }
    }

    public void Remove(Http1Connection connection) => _connections.TryRemove(connection, out _);

    internal void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var connection in _connections.Keys)
        {
            connection.CancelIfPast(now);
        }
    }

    public void Dispose() => _sweeper.Dispose();
}
