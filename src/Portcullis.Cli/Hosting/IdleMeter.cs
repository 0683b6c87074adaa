namespace Portcullis.Cli.Hosting;

/// <summary>
/// Tells, at each look, whether the process was idle since the previous one: whether it used less than
/// <see cref="IdleShare"/> of one core's time over that span (user and system time, all threads).
/// </summary>
internal sealed class IdleMeter
{
    /// <summary>A span counts as idle when the process used less than this share of one core's time in it.</summary>
    public const double IdleShare = 0.05;

    private readonly TimeProvider _time;
    private readonly Func<TimeSpan> _cpuTime;
    private long _lookedAt;
    private TimeSpan _cpuAtLook;

    /// <param name="cpuTime">The process's CPU time so far.</param>
    public IdleMeter(TimeProvider time, Func<TimeSpan> cpuTime)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(cpuTime);
        _time = time;
        _cpuTime = cpuTime;
        _lookedAt = time.GetTimestamp();
        _cpuAtLook = cpuTime();
    }

    /// <summary>The process's own CPU time, for <see cref="IdleMeter(TimeProvider, Func{TimeSpan})"/>.</summary>
    public static TimeSpan ProcessCpuTime() => Environment.CpuUsage.TotalTime;

    /// <summary>Whether the span since the last look was idle; <paramref name="used"/> is the CPU time used in it.</summary>
    public bool Look(out long now, out TimeSpan used)
    {
        now = _time.GetTimestamp();
        var cpu = _cpuTime();
        used = cpu - _cpuAtLook;
        var idle = used < _time.GetElapsedTime(_lookedAt, now) * IdleShare;
        (_lookedAt, _cpuAtLook) = (now, cpu);
        return idle;
    }
}
