namespace Portcullis.Cli.Hosting;

using System.Diagnostics;

/// <summary>
/// Time and allocation between marks of the control loop, for its Debug log. Wall time on a busy machine
/// says little; allocated bytes, GC pauses and process CPU say what a change costs whatever the load.
/// </summary>
internal sealed class StageClock
{
    private long _timestamp = Stopwatch.GetTimestamp();
    private long _allocated = GC.GetTotalAllocatedBytes();
    private TimeSpan _pause = GC.GetTotalPauseDuration();
    private TimeSpan _cpu = Environment.CpuUsage.TotalTime;

    /// <summary>Milliseconds and megabytes allocated (by every thread) since the previous mark.</summary>
    public (double Milliseconds, double AllocatedMb) Mark()
    {
        var (timestamp, allocated) = (Stopwatch.GetTimestamp(), GC.GetTotalAllocatedBytes());
        var result = (Stopwatch.GetElapsedTime(_timestamp, timestamp).TotalMilliseconds, (allocated - _allocated) / 1048576.0);
        (_timestamp, _allocated) = (timestamp, allocated);
        return result;
    }

    /// <summary>GC pause and process CPU milliseconds since the previous call; GC heap and committed megabytes as of the last GC.</summary>
    public (double PauseMilliseconds, double CpuMilliseconds, double HeapMb, double CommittedMb) Totals()
    {
        var (pause, cpu, info) = (GC.GetTotalPauseDuration(), Environment.CpuUsage.TotalTime, GC.GetGCMemoryInfo());
        var result = ((pause - _pause).TotalMilliseconds, (cpu - _cpu).TotalMilliseconds, info.HeapSizeBytes / 1048576.0, info.TotalCommittedBytes / 1048576.0);
        (_pause, _cpu) = (pause, cpu);
        return result;
    }
}
