namespace Portcullis.Cli.Hosting;

using System.Runtime;

/// <summary>
/// Keeps the runtime's background-GC thread alive by starting a background gen2 collection whenever none has run for
/// <see cref="Period"/>, so the next gen2 under load runs beside the requests instead of stopping them.
/// </summary>
/// <remarks>
/// With workstation GC the background-collection thread exits after 20 s without work, and the first gen2 after that
/// ran with every thread stopped: 140-230 ms at 10,000 hosts/certificates/routes (~136 MB of live heap), measured with
/// the runtime's GC events (a "background" gen2 suspended from start to end, or a non-concurrent one). Load with
/// pauses between bursts meets that on every burst; in the benchmark it was the whole of row 3's 70-125 ms p99
/// (bench/README.md, "Session 6"). With a collection at least every 15 s the thread never times out and the same
/// gen2s ran concurrently (0 stalls in 9 cells against 2 in every 8-10). The cost is a concurrent mark of the heap every
/// 15 s while nothing else collects, on the background thread: ~0.1-0.4 s of CPU per collection at 10,000 hosts
/// (about 1% of a core), microseconds for small configurations; the collections also free what idle periods leave in
/// gen2. The 20 s is the runtime's internal timeout, not a documented contract: if it changes, this is a periodic
/// background collection and nothing worse. Not started when it cannot help: Server GC's background threads do not
/// time out, and without concurrent GC (latency mode Batch) a forced gen2 would itself stop every thread.
/// </remarks>
internal sealed class CollectorThreadKeepAlive : IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(15);

    private readonly Func<int> _gen2Count;
    private readonly Action _collect;
    private readonly ITimer _timer;
    private int _lastSeen;

    public CollectorThreadKeepAlive(TimeProvider time, Func<int> gen2Count, Action collect)
    {
        ArgumentNullException.ThrowIfNull(time);
        _gen2Count = gen2Count;
        _collect = collect;
        _lastSeen = gen2Count();
        _timer = time.CreateTimer(_ => Tick(), null, Period, Period);
    }

    /// <summary>Started for the process's own collector, or null when it has no background collection to keep alive.</summary>
    public static CollectorThreadKeepAlive? StartIfUseful()
    {
        var concurrent = GCSettings.LatencyMode is GCLatencyMode.Interactive or GCLatencyMode.SustainedLowLatency;
        return GCSettings.IsServerGC || !concurrent
            ? null
            : new CollectorThreadKeepAlive(TimeProvider.System, () => GC.CollectionCount(2), static () => GC.Collect(2, GCCollectionMode.Forced, blocking: false));
    }

    /// <summary>One period: collects only when no gen2 (the process's own or an earlier forced one) ran during it.</summary>
    internal void Tick()
    {
        if (_gen2Count() == _lastSeen)
        {
            _collect();
        }

        _lastSeen = _gen2Count();
    }

    public void Dispose() => _timer.Dispose();
}
