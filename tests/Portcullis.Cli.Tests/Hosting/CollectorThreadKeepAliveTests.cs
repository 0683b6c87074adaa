namespace Portcullis.Cli.Tests.Hosting;

using Portcullis.Cli.Hosting;

public class CollectorThreadKeepAliveTests
{
    private int _gen2;
    private int _forced;

    private CollectorThreadKeepAlive Create(ManualTime time) =>
        new(time, () => Volatile.Read(ref _gen2), () => { _forced++; _gen2++; });

    [Fact]
    public void Tick_NoGen2DuringThePeriod_StartsOne()
    {
        using var keeper = Create(new ManualTime());

        keeper.Tick();

        Assert.Equal(1, _forced);
    }

    [Fact]
    public void Tick_AGen2RanDuringThePeriod_LeavesTheCollectorAlone()
    {
        using var keeper = Create(new ManualTime());

        _gen2++; // the process collected by itself
        keeper.Tick();

        Assert.Equal(0, _forced);
    }

    [Fact]
    public void Tick_EveryQuietPeriod_CollectsOncePerPeriod()
    {
        using var keeper = Create(new ManualTime());

        keeper.Tick();
        keeper.Tick();
        _gen2++;
        keeper.Tick();
        keeper.Tick();

        Assert.Equal(3, _forced);
    }

    [Fact]
    public void Constructor_SchedulesTicksEveryPeriodUnderTheRuntimesTwentySeconds()
    {
        var time = new ManualTime();
        using var keeper = Create(time);

        Assert.Equal(CollectorThreadKeepAlive.Period, time.DueTime);
        Assert.Equal(CollectorThreadKeepAlive.Period, time.TimerPeriod);
        Assert.True(CollectorThreadKeepAlive.Period < TimeSpan.FromSeconds(20));
        time.Fire();
        Assert.Equal(1, _forced);
    }

    /// <summary>A clock whose one timer the test fires by hand.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private TimerCallback? _callback;
        private object? _state;

        public TimeSpan DueTime { get; private set; }

        public TimeSpan TimerPeriod { get; private set; }

        public void Fire() => _callback!(_state);

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
