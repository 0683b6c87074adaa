namespace Portcullis.Cli.Hosting;

/// <summary>
/// Frees the configs an update replaced with a gen2 collection, at most once per interval: a background one, or a
/// compacting one for the first update and whenever much of the heap is free space.
/// </summary>
/// <remarks>
/// At scale the previous snapshot, translation and tables are most of the heap (10,000 routes and certificates:
/// ~110 MB) and they reached gen2 while serving: without a gen2 collection the heap held two or three configs. One
/// collection per update, though, is a full mark of the heap per change while changes stream in (a rollout, a
/// certificate rotation per second), which costs CPU the requests need. So the first update after a quiet interval
/// collects at once, and a burst of updates gets one more collection when the interval has passed after its start.
/// <para>
/// Background collections sweep but never compact, so what replaced configs leave between live objects stays resident
/// (at 10,000 hosts, three changes took RSS from 232 to 262-359 MiB). The runtime's ConserveMemory setting compacts
/// such a heap, but at any gen2, and connection churn alone keeps gen2 above its thresholds: every gen2 under load became
/// a blocking compaction, 76-366 ms at 10,000 hosts (loaded machine). Here compaction happens only right after an update, when the
/// heap's free space (as the last collection measured it) is at least <see cref="CompactAbove"/> of it, and for the
/// first update, whose parsing and translation of the whole configuration leave the most garbage. One pause (100-300 ms
/// at 10,000 hosts, a few ms for small configs) follows a change the user made, not a random request
/// (bench/README.md, session 7).
/// </para>
/// </remarks>
/// <param name="fragmentation">The share of the heap that is free space, as the last collection measured it.</param>
/// <param name="collect">Collects gen2; its argument says whether to compact (blocking) rather than collect in the background.</param>
internal sealed class GarbageAfterUpdates(TimeProvider time, TimeSpan interval, Func<double> fragmentation, Action<bool> collect)
{
    /// <summary>
    /// Free space share of the heap from which an update's collection compacts. Under request load alone the heap at
    /// 10,000 hosts settled at 13-20% free (17-23 MB of 131-142 MB; 20-27% in an earlier build), so this compacts
    /// after changes rather than after every update, and a quarter of the heap is the most it keeps resident for nothing.
    /// </summary>
    public const double CompactAbove = 0.25;

    private readonly Lock _lock = new();
    private long _lastCollected = long.MinValue;
    private bool _pending;

    public GarbageAfterUpdates()
        : this(TimeProvider.System, DefaultInterval, HeapFragmentation, Collect)
    {
    }

    /// <summary>
    /// Without a gen2 each change at 10,000 hosts left 5-12 MB more heap (the replaced objects had reached gen2): with
    /// 10 s, a change a second took RSS from 248 to 296 MiB before the collection came. A background collection there
    /// costs 0.1-0.4 s of CPU, so a stream of changes pays at most one per 3 s.
    /// </summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(3);

    /// <summary>Called after each applied update; collects now, later, or not at all (one is already due).</summary>
    public void UpdateApplied()
    {
        TimeSpan wait;
        bool first;
        lock (_lock)
        {
            if (_pending)
            {
                return;
            }

            var now = time.GetTimestamp();
            first = _lastCollected == long.MinValue;
            var since = first ? TimeSpan.MaxValue : time.GetElapsedTime(_lastCollected, now);
            if (since >= interval)
            {
                _lastCollected = now;
                wait = TimeSpan.Zero;
            }
            else
            {
                _pending = true;
                wait = interval - since;
            }
        }

        if (wait == TimeSpan.Zero)
        {
            CollectNow(first);
            return;
        }

        _ = CollectLaterAsync(wait);
    }

    private async Task CollectLaterAsync(TimeSpan wait)
    {
        await Task.Delay(wait, time).ConfigureAwait(false);
        lock (_lock)
        {
            _pending = false;
            _lastCollected = time.GetTimestamp();
        }

        CollectNow(first: false);
    }

    private void CollectNow(bool first) => collect(first || fragmentation() >= CompactAbove);

    /// <summary>
    /// A blocking, compacting gen2 that also gives the freed memory back (Aggressive): compaction alone keeps the
    /// emptied regions committed for later allocations, which is resident memory the next minutes do not need. Also
    /// what <see cref="IdleMemoryRelease"/> runs in a quiet spell.
    /// </summary>
    internal static void CompactAndDecommit() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    private static void Collect(bool compact)
    {
        if (compact)
        {
            CompactAndDecommit();
        }
        else
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: false);
        }
    }

    private static double HeapFragmentation()
    {
        var info = GC.GetGCMemoryInfo();
        return info.HeapSizeBytes == 0 ? 0 : (double)info.FragmentedBytes / info.HeapSizeBytes;
    }
}
