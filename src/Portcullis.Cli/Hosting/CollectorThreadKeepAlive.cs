namespace Portcullis.Cli.Hosting;

using System.Runtime;

/// <summary>
/// Keeps the runtime's background-GC thread alive by starting a background gen2 collection before it has been without
/// work for 20 s, so the next gen2 under load runs beside the requests instead of stopping them; the collection is
/// started early in a quiet moment when there is one, so that it rarely lands on traffic.
/// </summary>
/// <remarks>
/// With workstation GC the background-collection thread exits after 20 s without work, and the first gen2 after that
/// ran with every thread stopped: 140-230 ms at 10,000 hosts/certificates/routes (~136 MB of live heap), measured with
/// the runtime's GC events (a "background" gen2 suspended from start to end, or a non-concurrent one). Load with
/// pauses between bursts meets that on every burst; in the benchmark it was the whole of row 3's 70-125 ms p99
/// (bench/README.md, "Session 6"). With a background collection at least every 15 s the thread never timed out and
/// the same gen2s ran concurrently (0 stalls in 9 cells against 2 in every 8-10). Only background collections count:
/// a blocking gen2 (the compaction after the first update, see GarbageAfterUpdates) does not wake that thread, and
/// counting it let the thread time out and the next forced gen2 stop every thread for 92 ms (session 7).
/// <para>
/// The forced collection is not free where it lands: on one core its concurrent mark (130-140 ms of CPU at 10,000
/// hosts) shares the core with the requests, and a load window with one had twice the p99 of one without (session 8).
/// So it is started <see cref="IdleQuiet"/> after the last background collection was seen if the process was idle over
/// the last <see cref="Period"/> (under <see cref="IdleMeter.IdleShare"/> of a core), and under steady load only at
/// <see cref="Deadline"/>: the last background collection is seen at most a period after it ended, so the next starts
/// at most <see cref="Deadline"/> + <see cref="Period"/> = 17 s after it, under the 20 s. Idle, that is one collection
/// per 10-11 s; busy, one per 16-17 s (both were one per 10-15 s before session 9); bursty, in the pauses. The 20 s is the
/// runtime's internal timeout, not a documented contract: if it changes, this is a periodic background collection and
/// nothing worse. Not started when it cannot help: Server GC's background threads do not time out, and without
/// concurrent GC (latency mode Batch) a forced gen2 would itself stop every thread.
/// </para>
/// </remarks>
internal sealed class CollectorThreadKeepAlive : IDisposable
{
    /// <summary>How often the last background collection and the process's CPU time are looked at.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    /// <summary>How long after a background collection was last seen the next one may start in an idle period.</summary>
    public static readonly TimeSpan IdleQuiet = TimeSpan.FromSeconds(10);

    /// <summary>How long after a background collection was last seen the next one starts, busy or not.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(16);

    private readonly TimeProvider _time;
    private readonly Func<long> _lastBackground;
    private readonly IdleMeter _idle;
    private readonly Action _collect;
    private readonly ITimer _timer;
    private long _lastIndex;
    private long _seenAt;

    /// <param name="lastBackground">Identifies the last background collection (its index; changes with each one).</param>
    /// <param name="cpuTime">The process's CPU time so far (user and system, all threads).</param>
    public CollectorThreadKeepAlive(TimeProvider time, Func<long> lastBackground, Func<TimeSpan> cpuTime, Action collect)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(lastBackground);
        _time = time;
        _lastBackground = lastBackground;
        _idle = new IdleMeter(time, cpuTime);
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
                IdleMeter.ProcessCpuTime,
                static () => GC.Collect(2, GCCollectionMode.Forced, blocking: false));
    }

    /// <summary>
    /// One look: starts a background collection when none has been seen for <see cref="Deadline"/>, or for
    /// <see cref="IdleQuiet"/> and the process was idle since the last look.
    /// </summary>
    internal void Tick()
    {
        var idle = _idle.Look(out var now, out _);
        var index = _lastBackground();
        if (index != _lastIndex)
        {
            (_lastIndex, _seenAt) = (index, now);
            return;
        }

        var quiet = _time.GetElapsedTime(_seenAt, now);
        if (quiet >= Deadline || (idle && quiet >= IdleQuiet))
        {
            _collect();
            _seenAt = now;
        }
    }

    public void Dispose() => _timer.Dispose();
}
