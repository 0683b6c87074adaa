namespace Portcullis.Cli.Hosting;

/// <summary>
/// Frees the configs an update replaced with a background gen2 collection, at most once per interval; the first
/// update's collection compacts.
/// </summary>
/// <remarks>
/// At scale the previous snapshot, translation and tables are most of the heap (10,000 routes and certificates:
/// ~150 MB) and they reached gen2 while serving: without a gen2 collection the heap held two or three configs. One
/// collection per update, though, is a full mark of the heap per change while changes stream in (a rollout, a
/// certificate rotation per second), which costs CPU the requests need. So the first update after a quiet interval
/// collects at once, and a burst of updates gets one more collection when the interval has passed after its start.
/// The first update is the start: reading, parsing and translating the whole configuration leaves its garbage spread
/// through gen2 (at 10,000 hosts 30-50 MB of free space between live objects, all of it resident), which background
/// collections sweep but never compact. So that one collection is blocking and compacting: one pause (150-300 ms at
/// 10,000 hosts, loaded machine) at start rather than the runtime's own compactions later under load, and the heap
/// starts serving without the start-up's holes (bench/README.md, session 7).
/// </remarks>
/// <param name="collect">Collects gen2; its argument is true for the first update's compacting collection.</param>
internal sealed class GarbageAfterUpdates(TimeProvider time, TimeSpan interval, Action<bool> collect)
{
    private readonly Lock _lock = new();
    private long _lastCollected = long.MinValue;
    private bool _pending;

    public GarbageAfterUpdates()
        : this(TimeProvider.System, TimeSpan.FromSeconds(10), static first => GC.Collect(2, GCCollectionMode.Forced, blocking: first, compacting: first))
    {
    }

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
            collect(first);
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

        collect(false);
    }
}
