namespace Portcullis.Cli.Tests.Hosting;

/// <summary>A clock whose one timer the test fires by hand.</summary>
internal sealed class TickingTime : TimeProvider
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
