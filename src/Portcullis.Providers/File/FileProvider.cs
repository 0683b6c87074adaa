namespace Portcullis.Providers.File;

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Model.Core;
using Portcullis.Model.Manifests;
using Portcullis.Model.Serialization;

/// <summary>How the file provider settles bursts of file changes.</summary>
public sealed record FileProviderOptions
{
    /// <summary>
    /// A reload waits until no change has been seen for this long. An editor's save or a copy of a directory
    /// writes its files within milliseconds; every millisecond here is added to each change's convergence.
    /// </summary>
    public TimeSpan QuietPeriod { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The quiet period instead of <see cref="QuietPeriod"/> when every file of the burst was renamed into place or
    /// deleted, so none can be half written (see <see cref="PendingWrites"/>): long enough to gather the other files
    /// of one save, short enough not to add to a change's convergence.
    /// </summary>
    public TimeSpan CompleteQuietPeriod { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>A reload happens at most this long after the first change of a burst, even if changes continue.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Standalone mode's provider: the manifests of a directory, watched. Every settled burst of changes re-lists the
/// directory and re-parses only files whose length or modification time changed (<see cref="ManifestDirectoryReader"/>);
/// an update is yielded only when the snapshot or the diagnostics differ from the last one.
/// </summary>
public sealed partial class FileProvider : IResourceProvider
{
    private readonly FileProviderOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public FileProvider(string directory, FileProviderOptions? options = null, ILogger<FileProvider>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        _options = options ?? new FileProviderOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Directory { get; }

    public async IAsyncEnumerable<ProviderUpdate> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = new ManifestDirectoryReader(Directory, _time);
        var signals = Channel.CreateUnbounded<WatchSignal>(new UnboundedChannelOptions { SingleReader = true });
        using var watch = new DirectoryWatch(Directory, signals.Writer, _logger);

        // Start watching before the first read so that no change between the two is missed.
        watch.Start();
        var last = reader.Load();
        LogStages(_logger, reader.LastTimings.Files, reader.LastTimings.Identity, reader.LastTimings.Snapshot, 0);
        var count = last.Snapshot.All.Count();
        LogLoaded(_logger, count, last.Diagnostics.Count);
        yield return last;

        while (!cancellationToken.IsCancellationRequested)
        {
            var rescan = await SettleAsync(signals.Reader, cancellationToken).ConfigureAwait(false);
            if (rescan)
            {
                reader.InvalidateCache();
            }

            var update = reader.Load();
            var comparing = Stopwatch.GetTimestamp();
            var same = SameAs(last, update);
            var compared = Stopwatch.GetElapsedTime(comparing).TotalMilliseconds;
            LogStages(_logger, reader.LastTimings.Files, reader.LastTimings.Identity, reader.LastTimings.Snapshot, compared);
            if (same)
            {
                LogUnchanged(_logger);
                continue;
            }

            last = update;
            count = update.Snapshot.All.Count();
            LogLoaded(_logger, count, update.Diagnostics.Count);
            yield return update;
        }
    }

    /// <summary>
    /// Waits for a change, then until changes stop for the quiet period (or MaxDelay has passed since the first): the
    /// full <see cref="FileProviderOptions.QuietPeriod"/> while a file may be half written, the short
    /// <see cref="FileProviderOptions.CompleteQuietPeriod"/> once every file of the burst is complete.
    /// Returns true when the watcher failed and a full rescan is needed.
    /// </summary>
    private async Task<bool> SettleAsync(ChannelReader<WatchSignal> signals, CancellationToken cancellationToken)
    {
        var writes = new PendingWrites();
        writes.Add(await signals.ReadAsync(cancellationToken).ConfigureAwait(false));
        var deadline = _time.GetUtcNow() + _options.MaxDelay;
        while (true)
        {
            while (signals.TryRead(out var signal))
            {
                writes.Add(signal);
            }

            var quietPeriod = writes.AllComplete ? Min(_options.CompleteQuietPeriod, _options.QuietPeriod) : _options.QuietPeriod;
            var wait = Min(quietPeriod, deadline - _time.GetUtcNow());
            if (wait <= TimeSpan.Zero)
            {
                return writes.Rescan;
            }

            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            quiet.CancelAfter(wait);
            try
            {
                await signals.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return writes.Rescan; // quiet for a whole period: settled
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static bool SameAs(ProviderUpdate a, ProviderUpdate b)
    {
        if (!a.Diagnostics.SequenceEqual(b.Diagnostics))
        {
            return false;
        }

        // Unchanged objects are the same instances (ObjectIdentity returns them again), so only objects
        // of changed files are serialized to compare.
        using var left = a.Snapshot.All.GetEnumerator();
        using var right = b.Snapshot.All.GetEnumerator();
        while (true)
        {
            var more = left.MoveNext();
            if (more != right.MoveNext())
            {
                return false;
            }

            if (!more)
            {
                return true;
            }

            // Objects of different keys differ without serializing them (where an object was added or removed).
            if (!ReferenceEquals(left.Current, right.Current)
                && (left.Current.Ref != right.Current.Ref || Fingerprint(left.Current) != Fingerprint(right.Current)))
            {
                return false;
            }
        }
    }

    private static string Fingerprint(KubernetesObject obj) => KubeJson.ToNode<object>(obj)!.ToJsonString();

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded manifests: {ObjectCount} objects, {DiagnosticCount} diagnostics")]
    private static partial void LogLoaded(ILogger logger, int objectCount, int diagnosticCount);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "stage load: read+parse+validate {Files:F1} ms, identity {Identity:F1} ms, snapshot {Snapshot:F1} ms, compare {Compare:F1} ms")]
    private static partial void LogStages(ILogger logger, double files, double identity, double snapshot, double compare);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Files changed but the snapshot did not")]
    private static partial void LogUnchanged(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Watching {Directory} failed; re-creating the watcher and rescanning")]
    internal static partial void LogWatcherError(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Could not watch {Directory}; retrying")]
    internal static partial void LogWatcherStartFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "File event {ChangeType} {Path}")]
    internal static partial void LogFileEvent(ILogger logger, WatcherChangeTypes changeType, string path);
}
