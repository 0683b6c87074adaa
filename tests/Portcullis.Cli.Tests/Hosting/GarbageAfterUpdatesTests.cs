namespace Portcullis.Cli.Tests.Hosting;

using Portcullis.Cli.Hosting;

public class GarbageAfterUpdatesTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly StepTime _time = new();
    private readonly List<bool> _compacting = [];
    private double _fragmentation;
    private int _collections;

    private GarbageAfterUpdates Create() => new(_time, Interval, () => _fragmentation, compact =>
    {
        lock (_compacting)
        {
            _compacting.Add(compact);
        }

        Interlocked.Increment(ref _collections);
    });

    [Fact]
    public void UpdateApplied_First_CollectsAtOnce()
    {
        Create().UpdateApplied();

        Assert.Equal(1, _collections);
    }

    [Fact]
    public void UpdateApplied_BurstWithinInterval_CollectsOnceMoreWhenTheIntervalHasPassed()
    {
        var garbage = Create();
        garbage.UpdateApplied();
        _time.Advance(TimeSpan.FromSeconds(1));
        garbage.UpdateApplied();
        garbage.UpdateApplied();
        garbage.UpdateApplied();

        Assert.Equal(1, _collections);
        var timer = Assert.Single(_time.Timers);
        Assert.Equal(TimeSpan.FromSeconds(9), timer.DueTime);

        _time.Advance(TimeSpan.FromSeconds(9));
        timer.Fire();
        SpinWait.SpinUntil(() => Volatile.Read(ref _collections) == 2, TimeSpan.FromSeconds(10));

        Assert.Equal(2, _collections);
    }

    [Fact]
    public void UpdateApplied_OnlyTheFirstCollection_Compacts()
    {
        var garbage = Create();
        garbage.UpdateApplied();
        _time.Advance(Interval);
        garbage.UpdateApplied();
        _time.Advance(TimeSpan.FromSeconds(1));
        garbage.UpdateApplied();
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Single(_time.Timers).Fire();
        SpinWait.SpinUntil(() => Volatile.Read(ref _collections) == 3, TimeSpan.FromSeconds(10));

        lock (_compacting)
        {
            Assert.Equal([true, false, false], _compacting);
        }
    }

    [Fact]
    public void UpdateApplied_HeapMostlyFreeSpace_Compacts()
    {
        var garbage = Create();
        garbage.UpdateApplied();
        _time.Advance(Interval);
        _fragmentation = GarbageAfterUpdates.CompactAbove - 0.01;
        garbage.UpdateApplied();
        _time.Advance(Interval);
        _fragmentation = GarbageAfterUpdates.CompactAbove;
        garbage.UpdateApplied();

        lock (_compacting)
        {
            Assert.Equal([true, false, true], _compacting);
        }
    }

    [Fact]
    public void UpdateApplied_AfterAQuietInterval_CollectsAtOnce()
    {
        var garbage = Create();
        garbage.UpdateApplied();
        _time.Advance(Interval);
        garbage.UpdateApplied();

        Assert.Equal(2, _collections);
        Assert.Empty(_time.Timers);
    }

    /// <summary>A clock and timers the test moves by hand.</summary>
    private sealed class StepTime : TimeProvider
    {
        private long _ticks;

        public List<StepTimer> Timers { get; } = [];

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new StepTimer(callback, state, dueTime);
            lock (Timers)
            {
                Timers.Add(timer);
            }

            return timer;
        }
    }

    private sealed class StepTimer(TimerCallback callback, object? state, TimeSpan dueTime) : ITimer
    {
        public TimeSpan DueTime { get; } = dueTime;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
