namespace Portcullis.Cli.Tests.Hosting;

using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Cli.Hosting;

public class IdleMemoryReleaseTests
{
    private int _releases;
    private TimeSpan _cpu;

    private IdleMemoryRelease Create(TickingTime time) => new(time, () => _cpu, () => _releases++);

    /// <summary>One period of the clock, with the process using <paramref name="cpuShare"/> of a core in it, then a look.</summary>
    private void Step(TickingTime time, IdleMemoryRelease release, double cpuShare)
    {
        time.Advance(IdleMemoryRelease.Period);
        _cpu += IdleMemoryRelease.Period * cpuShare;
        release.Tick();
    }

    private void Steps(TickingTime time, IdleMemoryRelease release, int periods, double cpuShare)
    {
        for (var i = 0; i < periods; i++)
        {
            Step(time, release, cpuShare);
        }
    }

    [Fact]
    public void Tick_UnderLoad_NeverReleases()
    {
        var time = new TickingTime();
        using var release = Create(time);

        Steps(time, release, 120, cpuShare: 0.5);

        Assert.Equal(0, _releases);
    }

    [Fact]
    public void Tick_QuietAfterWork_ReleasesOnceAfterTheQuietPeriods()
    {
        var time = new TickingTime();
        using var release = Create(time);
        Steps(time, release, 10, cpuShare: 0.5);

        Steps(time, release, IdleMemoryRelease.QuietPeriods - 1, cpuShare: 0);
        Assert.Equal(0, _releases);

        Step(time, release, cpuShare: 0);
        Assert.Equal(1, _releases);

        Steps(time, release, 60, cpuShare: 0);
        Assert.Equal(1, _releases);
    }

    [Fact]
    public void Tick_ShortPausesInLoad_DoNotRelease()
    {
        var time = new TickingTime();
        using var release = Create(time);

        for (var i = 0; i < 20; i++)
        {
            Steps(time, release, 3, cpuShare: 0.8);
            Steps(time, release, IdleMemoryRelease.QuietPeriods - 1, cpuShare: 0);
        }

        Assert.Equal(0, _releases);
    }

    [Fact]
    public void Tick_IdleFromTheStart_DoesNotRelease()
    {
        var time = new TickingTime();
        using var release = Create(time);

        Steps(time, release, 600, cpuShare: 0);

        Assert.Equal(0, _releases);
    }

    [Fact]
    public void Tick_IdleWithALittleWork_ReleasesOncePerWorkBetweenOfIt()
    {
        var time = new TickingTime();
        using var release = Create(time);

        // Every period idle (2.5% of a core); 600 of them add up to 15 s of CPU: a release per second of it.
        Steps(time, release, 600, cpuShare: IdleMeter.IdleShare / 2);

        Assert.Equal(15, _releases);
    }

    [Fact]
    public void Tick_LessWorkThanWorkBetween_WaitsForMore()
    {
        var time = new TickingTime();
        using var release = Create(time);
        var share = IdleMemoryRelease.WorkBetween / IdleMemoryRelease.Period * 0.6;

        Step(time, release, cpuShare: share);
        Steps(time, release, IdleMemoryRelease.QuietPeriods, cpuShare: 0);
        Assert.Equal(0, _releases);

        Step(time, release, cpuShare: share);
        Steps(time, release, IdleMemoryRelease.QuietPeriods, cpuShare: 0);
        Assert.Equal(1, _releases);
    }

    [Fact]
    public void Tick_BurstsWithQuietSpells_ReleasesInEachSpell()
    {
        var time = new TickingTime();
        using var release = Create(time);

        for (var burst = 0; burst < 3; burst++)
        {
            Steps(time, release, 5, cpuShare: 0.8);
            Assert.Equal(burst, _releases);
            Steps(time, release, IdleMemoryRelease.QuietPeriods + 2, cpuShare: 0);
            Assert.Equal(burst + 1, _releases);
        }
    }

    [Fact]
    public void Constructor_SchedulesOneLookPerPeriod()
    {
        var time = new TickingTime();
        using var release = Create(time);

        Assert.Equal(IdleMemoryRelease.Period, time.DueTime);
        Assert.Equal(IdleMemoryRelease.Period, time.TimerPeriod);
        _cpu += IdleMemoryRelease.WorkBetween;
        for (var i = 0; i <= IdleMemoryRelease.QuietPeriods; i++)
        {
            time.Advance(IdleMemoryRelease.Period);
            time.Fire();
        }

        Assert.Equal(1, _releases);
    }

    [Theory]
    [InlineData(0, 200, 190, false)] // little unused, little growth: only the trim
    [InlineData(IdleMemoryRelease.RetainedAbove, 200, 200, true)] // the last collection left free regions
    [InlineData(0, 250, 218, true)] // grew since the last release, though the last collection predates the load
    [InlineData(IdleMemoryRelease.RetainedAbove - 1, 233, 218, false)]
    public void Compacts_WhenTheGcHoldsUnusedMemoryOrTheProcessGrew(long unused, long residentMib, long afterLastMib, bool compacts)
    {
        Assert.Equal(compacts, IdleMemoryRelease.Compacts(unused, residentMib << 20, afterLastMib << 20));
    }

    [Fact]
    public void FindMallocTrim_OnLinux_CallsGlibcs()
    {
        var mallocTrim = IdleMemoryRelease.FindMallocTrim();

        // The tests run on Debian (glibc); elsewhere the release simply has no trim.
        Assert.Equal(OperatingSystem.IsLinux(), mallocTrim is not null);
        if (mallocTrim is not null)
        {
            Assert.InRange(mallocTrim(), 0, 1);
        }
    }
}
