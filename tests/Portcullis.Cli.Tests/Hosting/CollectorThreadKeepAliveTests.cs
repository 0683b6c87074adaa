namespace Portcullis.Cli.Tests.Hosting;

using Portcullis.Cli.Hosting;

public class CollectorThreadKeepAliveTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private long _background;
    private int _forced;
    private TimeSpan _cpu;

    private CollectorThreadKeepAlive Create(TickingTime time) =>
        new(time, () => Interlocked.Read(ref _background), () => _cpu, () => { _forced++; _background++; });

    /// <summary>One period of the clock, with the process using <paramref name="cpuShare"/> of a core in it, then a look.</summary>
    private void Step(TickingTime time, CollectorThreadKeepAlive keeper, double cpuShare)
    {
        time.Advance(CollectorThreadKeepAlive.Period);
        _cpu += CollectorThreadKeepAlive.Period * cpuShare;
        keeper.Tick();
    }

    private void Steps(TickingTime time, CollectorThreadKeepAlive keeper, TimeSpan span, double cpuShare)
    {
        for (var t = TimeSpan.Zero; t < span; t += CollectorThreadKeepAlive.Period)
        {
            Step(time, keeper, cpuShare);
        }
    }

    [Fact]
    public void Tick_IdleForTheIdleQuietTime_StartsOne()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Steps(time, keeper, CollectorThreadKeepAlive.IdleQuiet - CollectorThreadKeepAlive.Period, cpuShare: 0.01);
        Assert.Equal(0, _forced);

        Step(time, keeper, cpuShare: 0.01);
        Assert.Equal(1, _forced);
    }

    [Fact]
    public void Tick_BusyPastTheIdleQuietTime_WaitsForTheDeadline()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Steps(time, keeper, CollectorThreadKeepAlive.Deadline - CollectorThreadKeepAlive.Period, cpuShare: 0.9);
        Assert.Equal(0, _forced);

        Step(time, keeper, cpuShare: 0.9);
        Assert.Equal(1, _forced);
    }

    [Fact]
    public void Tick_BusyThenAPauseAfterTheIdleQuietTime_StartsOneInThePause()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Steps(time, keeper, CollectorThreadKeepAlive.IdleQuiet + (2 * Second), cpuShare: 0.9);
        Assert.Equal(0, _forced);

        Step(time, keeper, cpuShare: IdleMeter.IdleShare / 2);
        Assert.Equal(1, _forced);
    }

    [Fact]
    public void Tick_JustOverTheIdleShare_CountsAsBusy()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Steps(time, keeper, CollectorThreadKeepAlive.IdleQuiet + (2 * Second), cpuShare: IdleMeter.IdleShare * 1.2);
        Assert.Equal(0, _forced);
    }

    [Fact]
    public void Tick_ABackgroundCollectionRan_WaitsFromWhenItWasSeen()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Steps(time, keeper, CollectorThreadKeepAlive.IdleQuiet - Second, cpuShare: 0.9);
        _background++; // the process collected by itself
        Step(time, keeper, cpuShare: 0.9);
        Steps(time, keeper, CollectorThreadKeepAlive.IdleQuiet - Second, cpuShare: 0);
        Assert.Equal(0, _forced);

        Step(time, keeper, cpuShare: 0);
        Assert.Equal(1, _forced);
    }

    [Fact]
    public void Tick_UnderSteadyLoad_CollectsOncePerDeadline()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Steps(time, keeper, TimeSpan.FromSeconds(60), cpuShare: 0.9);

        // Forced at 16 s, seen at 17 s, forced at 33 s, seen at 34 s, forced at 50 s: one per 17 s, under the 20 s.
        Assert.Equal(3, _forced);
    }

    [Fact]
    public void Tick_WhileIdle_CollectsOncePerIdleQuietAndAPeriod()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Steps(time, keeper, TimeSpan.FromSeconds(60), cpuShare: 0);

        // Forced at 10 s, seen at 11 s, forced at 21 s, 32 s, 43 s, 54 s.
        Assert.Equal(5, _forced);
    }

    [Fact]
    public void Constructor_SchedulesTicksSoACollectionFollowsTheLastWellUnderTheRuntimesTwentySeconds()
    {
        var time = new TickingTime();
        using var keeper = Create(time);

        Assert.Equal(CollectorThreadKeepAlive.Period, time.DueTime);
        Assert.Equal(CollectorThreadKeepAlive.Period, time.TimerPeriod);
        Assert.True(CollectorThreadKeepAlive.Deadline + CollectorThreadKeepAlive.Period <= TimeSpan.FromSeconds(17));
        Assert.True(CollectorThreadKeepAlive.IdleQuiet < CollectorThreadKeepAlive.Deadline);
        time.Advance(CollectorThreadKeepAlive.Deadline);
        _cpu += CollectorThreadKeepAlive.Deadline; // a fully busy core
        time.Fire();
        Assert.Equal(1, _forced);
    }
}
