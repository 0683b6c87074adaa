namespace Portcullis.Cli.Tests.Hosting;

using Portcullis.Cli.Hosting;

public class CollectorThreadKeepAliveTests
{
    private long _background;
    private int _forced;

    private CollectorThreadKeepAlive Create(ManualTime time) =>
        new(time, () => Interlocked.Read(ref _background), () => { _forced++; _background++; });

    [Fact]
    public void Tick_NoBackgroundCollectionForTheQuietTime_StartsOne()
    {
        var time = new ManualTime();
        using var keeper = Create(time);

        time.Advance(CollectorThreadKeepAlive.Quiet - TimeSpan.FromSeconds(1));
        keeper.Tick();
        Assert.Equal(0, _forced);

        time.Advance(TimeSpan.FromSeconds(1));
        keeper.Tick();
        Assert.Equal(1, _forced);
    }

    [Fact]
    public void Tick_ABackgroundCollectionRan_WaitsTheQuietTimeFromWhenItWasSeen()
    {
        var time = new ManualTime();
        using var keeper = Create(time);

        time.Advance(CollectorThreadKeepAlive.Period);
        _background++; // the process collected by itself
        keeper.Tick();
        time.Advance(CollectorThreadKeepAlive.Quiet - TimeSpan.FromSeconds(1));
        keeper.Tick();
        Assert.Equal(0, _forced);

        time.Advance(TimeSpan.FromSeconds(1));
        keeper.Tick();
        Assert.Equal(1, _forced);
    }

    [Fact]
    public void Tick_WhileNothingElseCollects_CollectsEveryQuietTime()
    {
        var time = new ManualTime();
        using var keeper = Create(time);

        for (var i = 0; i < 6; i++)
        {
            time.Advance(CollectorThreadKeepAlive.Period);
            keeper.Tick();
        }

        // 30 s: forced at 10 s, seen at 15 s, forced again at 25 s: one collection per 15 s at most, under the 20 s.
        Assert.Equal(2, _forced);
    }

    [Fact]
    public void Constructor_SchedulesTicksSoACollectionFollowsTheLastWellUnderTheRuntimesTwentySeconds()
    {
        var time = new ManualTime();
        using var keeper = Create(time);

        Assert.Equal(CollectorThreadKeepAlive.Period, time.DueTime);
        Assert.Equal(CollectorThreadKeepAlive.Period, time.TimerPeriod);
        Assert.True(CollectorThreadKeepAlive.Quiet + CollectorThreadKeepAlive.Period < TimeSpan.FromSeconds(20));
        time.Advance(CollectorThreadKeepAlive.Quiet);
        time.Fire();
        Assert.Equal(1, _forced);
    }

    /// <summary>A clock whose one timer the test fires by hand.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private TimerCallback? _callback;
        private object? _state;
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public TimeSpan DueTime { get; private set; }

        public TimeSpan TimerPeriod { get; private set; }

        public void Fire() => _callback!(_state);

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        public override long GetTimestamp() => _ticks;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            (_callback, _state, DueTime, TimerPeriod) = (callback, state, dueTime, period);
            return new NoTimer();
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
