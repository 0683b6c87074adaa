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
/// L3-sized gen0 budget: 327-331 -> 216-219 MiB; bench/README.md, session 15). Under load the same memory would be
/// committed and faulted straight back in, and a stop of every thread would land on requests, so this waits for
/// <see cref="QuietPeriods"/> consecutive idle periods (under <see cref="IdleMeter.IdleShare"/> of a core each) and
/// for <see cref="WorkBetween"/> of CPU time since the last release, so an idle process does not release over and
/// over for nothing; the collection is skipped unless the GC holds <see cref="RetainedAbove"/> beyond its live objects
/// or the process grew by that much since the last release (<see cref="Compacts"/>). A request arriving during the
/// collection waits for it, once per quiet spell: ~0.1 s at 10,000 hosts, 16 ms at 100 (170 -> 115 MiB there).
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
    /// Memory the GC holds committed beyond its live objects (free regions, free space between objects), or growth of
    /// the resident size since the last release, from which a release also compacts and decommits (<see cref="Compacts"/>).
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
        var memory = new ProcessMemory(FindMallocTrim(), logger);
        return new IdleMemoryRelease(TimeProvider.System, IdleMeter.ProcessCpuTime, memory.Release);
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

    /// <summary>
    /// Whether a release compacts: when the GC's last collection left at least <see cref="RetainedAbove"/> committed
    /// beyond its live objects, or the process grew by that much since the last release ended. The second catches what
    /// the first cannot see: load too light to trigger a collection (row 3's two connections allocate less than the
    /// gen0 budget in 8 s) leaves the last collection's figures from before that load, and a full run then kept 262 MiB
    /// where a compaction gave 214-220.
    /// </summary>
    internal static bool Compacts(long unusedAtLastCollection, long resident, long residentAfterLastRelease) =>
        unusedAtLastCollection >= RetainedAbove || resident - residentAfterLastRelease >= RetainedAbove;

    /// <summary>What the GC held committed at its last collection beyond the objects that survived it.</summary>
    private static long Unused(GCMemoryInfo gc) => gc.TotalCommittedBytes - gc.HeapSizeBytes + gc.FragmentedBytes;

    /// <summary>This process's GC heap and C heap, and its resident size after the last release.</summary>
    private sealed class ProcessMemory(Func<int>? mallocTrim, ILogger logger)
    {
        private long _residentAfterRelease;

        public void Release()
        {
            var before = Environment.WorkingSet;
            var gc = GC.GetGCMemoryInfo();
            var unused = Unused(gc);
            var compact = Compacts(unused, before, _residentAfterRelease);
            var started = Stopwatch.GetTimestamp();
            if (compact)
            {
                GarbageAfterUpdates.CompactAndDecommit();
            }

            var collected = Stopwatch.GetElapsedTime(started);
            mallocTrim?.Invoke();
            var trimmed = Stopwatch.GetElapsedTime(started) - collected;
            var after = _residentAfterRelease = Environment.WorkingSet;
            if (logger.IsEnabled(LogLevel.Debug))
            {
                var now = GC.GetGCMemoryInfo();
                Log.Released(logger, after / 1048576.0, before / 1048576.0, compact ? collected.TotalMilliseconds : 0,
                    mallocTrim is null ? 0 : trimmed.TotalMilliseconds, gc.TotalCommittedBytes / 1048576.0, unused / 1048576.0,
                    now.TotalCommittedBytes / 1048576.0);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "quiet after work: resident {AfterMb:F0} MiB (was {BeforeMb:F0}); GC compaction {CollectMs:F1} ms, C heap trim {TrimMs:F1} ms; GC committed {CommittedMb:F0} MiB ({UnusedMb:F0} unused), now {NowMb:F0}")]
        public static partial void Released(ILogger logger, double afterMb, double beforeMb, double collectMs, double trimMs, double committedMb, double unusedMb, double nowMb);
    }
}
