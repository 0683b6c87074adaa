namespace Portcullis.Cli.Hosting;

using System.Runtime;

/// <summary>
/// Keeps the runtime's background-GC thread alive by starting a background gen2 collection whenever none has been seen
/// for <see cref="Quiet"/>, so the next gen2 under load runs beside the requests instead of stopping them.
/// </summary>
/// <remarks>
/// With workstation GC the background-collection thread exits after 20 s without work, and the first gen2 after that
/// ran with every thread stopped: 140-230 ms at 10,000 hosts/certificates/routes (~136 MB of live heap), measured with
/// the runtime's GC events (a "background" gen2 suspended from start to end, or a non-concurrent one). Load with
/// pauses between bursts meets that on every burst; in the benchmark it was the whole of row 3's 70-125 ms p99
/// (bench/README.md, "Session 6"). With a collection at least every 15 s the thread never times out and the same
/// gen2s ran concurrently (0 stalls in 9 cells against 2 in every 8-10). Only background collections count: a blocking
/// gen2 (the compaction after the first update, see GarbageAfterUpdates) does not wake that thread, and counting it let
/// the thread time out and the next forced gen2 stop every thread for 92 ms (session 7). A background collection is
/// seen at most <see cref="Period"/> after it ends and the next one starts <see cref="Quiet"/> after that, 15 s at most,
/// under the 20 s. The cost is a concurrent mark of the heap every 10-15 s while nothing else collects, on the
/// background thread: ~0.1-0.4 s of CPU per collection at 10,000 hosts
/// (about 1% of a core), microseconds for small configurations; the collections also free what idle periods leave in
/// gen2. The 20 s is the runtime's internal timeout, not a documented contract: if it changes, this is a periodic
/// background collection and nothing worse. Not started when it cannot help: Server GC's background threads do not
/// time out, and without concurrent GC (latency mode Batch) a forced gen2 would itself stop every thread.
/// </remarks>
internal sealed class CollectorThreadKeepAlive : IDisposable
{
    /// <summary>How often the last background collection is looked at.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    /// <summary>How long after a background collection was last seen the next one is started.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly Func<long> _lastBackground;
    private readonly Action _collect;
    private readonly ITimer _timer;
    private long _lastIndex;
    private long _seenAt;

    /// <param name="lastBackground">Identifies the last background collection (its index; changes with each one).</param>
    public CollectorThreadKeepAlive(TimeProvider time, Func<long> lastBackground, Action collect)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _lastBackground = lastBackground;
        _collect = collect;
        _lastIndex = lastBackground();
        _seenAt = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Tick(), null, Period, Period);
    }

    /// <summary>Started for the process's own collector, or null when it has no background collection to keep alive.</summary>
    public static CollectorThreadKeepAlive? StartIfUseful()
    {
        var concurrent = GCSettings.LatencyMode is GCLatencyMode.Interactive or GCLatencyMode.SustainedLowLatency;
        return GCSettings.IsServerGC || !concurrent
            ? null
            : new CollectorThreadKeepAlive(
                TimeProvider.System,
                static () => GC.GetGCMemoryInfo(GCKind.Background).Index,
                static () => GC.Collect(2, GCCollectionMode.Forced, blocking: false));
    }

    /// <summary>One look: starts a background collection when none has been seen for <see cref="Quiet"/>.</summary>
    internal void Tick()
    {
        var now = _time.GetTimestamp();
        var index = _lastBackground();
        if (index != _lastIndex)
        {
            (_lastIndex, _seenAt) = (index, now);
            return;
        }

        if (_time.GetElapsedTime(_seenAt, now) >= Quiet)
        {
            _collect();
            _seenAt = now;
        }
    }

    public void Dispose() => _timer.Dispose();
}
