namespace Portcullis.Cli.Hosting;

using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

/// <summary>
/// When the process goes quiet after work, gives back the memory the work left committed but unused: the GC heap's
/// free regions (a compacting collection that decommits them) and the C heap's free pages (glibc's
/// <c>malloc_trim</c>).
/// </summary>
/// <remarks>
/// Under load the GC keeps free regions committed for the allocations to come, and glibc keeps what OpenSSL and the
/// runtime freed in the middle of its arenas (it returns memory by itself only from an arena's top). At 10,000
/// hosts/certificates/routes, with the container image's 32 MiB gen0 budget, the benchmark's loads left the GC holding
/// 156-159 MiB committed of which 42-46 MiB held no live object, and the C heap 15-17 MiB larger than it needed:
/// 276-280 MiB resident where the process had started at ~204. One release afterwards took it to 214-220 MiB: the
/// compacting collection took 95-104 ms (every thread stopped), the trim 1-2 ms (with the bare binary's larger,
/// L3-sized gen0 budget: 327-331 -> 216-219 MiB; bench/README.md, session 15). Under load the same memory would be committed and faulted straight back in, and a
/// stop of every thread would land on requests, so this waits for <see cref="QuietPeriods"/> consecutive idle periods
/// (under <see cref="IdleMeter.IdleShare"/> of a core each) and for <see cref="WorkBetween"/> of CPU time since the
/// last release, so an idle process does not release over and over for nothing; the collection is skipped when the GC
/// holds less than <see cref="RetainedAbove"/> beyond its live objects. A request arriving during the collection waits for it,
/// once per quiet spell; at 10,000 hosts that is at most ~0.1 s, for a small config a few milliseconds.
/// The trim needs glibc (not musl, not other systems); without it only the GC part runs.
/// </remarks>
internal sealed partial class IdleMemoryRelease : IDisposable
{
    /// <summary>How often the process's CPU time is looked at.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive idle periods before a release.</summary>
    public const int QuietPeriods = 3;

    /// <summary>CPU time the process must have used since the last release for a quiet spell to release again.</summary>
    public static readonly TimeSpan WorkBetween = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Memory the GC holds committed beyond its live objects (free regions, free space between objects) from which a
    /// release also compacts and decommits.
    /// </summary>
    public const long RetainedAbove = 16 << 20;

    private readonly IdleMeter _idle;
    private readonly Action _release;
    private readonly ITimer _timer;
    private TimeSpan _work;
    private int _quiet;

    /// <param name="cpuTime">The process's CPU time so far (user and system, all threads).</param>
    public IdleMemoryRelease(TimeProvider time, Func<TimeSpan> cpuTime, Action release)
    {
        ArgumentNullException.ThrowIfNull(release);
        _idle = new IdleMeter(time, cpuTime);
        _release = release;
        _timer = time.CreateTimer(_ => Tick(), null, Period, Period);
    }

    private delegate int MallocTrim(nuint pad);

    /// <summary>Started for this process's GC and C heap.</summary>
    public static IdleMemoryRelease Start(ILogger logger)
    {
        var mallocTrim = FindMallocTrim();
        return new IdleMemoryRelease(TimeProvider.System, IdleMeter.ProcessCpuTime, () => Release(mallocTrim, logger));
    }

    /// <summary>
    /// <c>malloc_trim(0)</c> of the process's C library (1 when it gave memory back, else 0), or null where there is none.
    /// </summary>
    internal static Func<int>? FindMallocTrim()
    {
        if (!OperatingSystem.IsLinux()
            || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var export))
        {
            return null;
        }

        var mallocTrim = Marshal.GetDelegateForFunctionPointer<MallocTrim>(export);
        return () => mallocTrim(0);
    }

    /// <summary>One look: releases after <see cref="QuietPeriods"/> idle periods that followed enough work.</summary>
    internal void Tick()
    {
        var idle = _idle.Look(out _, out var used);
        _work += used;
        _quiet = idle ? _quiet + 1 : 0;
        if (_quiet >= QuietPeriods && _work >= WorkBetween)
        {
            _work = TimeSpan.Zero;
            _release();
        }
    }

    public void Dispose() => _timer.Dispose();

    private static void Release(Func<int>? mallocTrim, ILogger logger)
    {
        var before = Environment.WorkingSet;
        var gc = GC.GetGCMemoryInfo();
        var started = Stopwatch.GetTimestamp();
        var unused = Unused(gc);
        var compact = unused >= RetainedAbove;
        if (compact)
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        var collected = Stopwatch.GetElapsedTime(started);
        mallocTrim?.Invoke();
        var trimmed = Stopwatch.GetElapsedTime(started) - collected;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var after = Environment.WorkingSet;
            var now = GC.GetGCMemoryInfo();
            Log.Released(logger, after / 1048576.0, before / 1048576.0, compact ? collected.TotalMilliseconds : 0,
                mallocTrim is null ? 0 : trimmed.TotalMilliseconds, gc.TotalCommittedBytes / 1048576.0, unused / 1048576.0,
                now.TotalCommittedBytes / 1048576.0);
        }
    }

    /// <summary>What the GC held committed at its last collection beyond the objects that survived it.</summary>
    private static long Unused(GCMemoryInfo gc) => gc.TotalCommittedBytes - gc.HeapSizeBytes + gc.FragmentedBytes;

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "quiet after work: resident {AfterMb:F0} MiB (was {BeforeMb:F0}); GC compaction {CollectMs:F1} ms, C heap trim {TrimMs:F1} ms; GC committed {CommittedMb:F0} MiB ({UnusedMb:F0} unused), now {NowMb:F0}")]
        public static partial void Released(ILogger logger, double afterMb, double beforeMb, double collectMs, double trimMs, double committedMb, double unusedMb, double nowMb);
    }
}
