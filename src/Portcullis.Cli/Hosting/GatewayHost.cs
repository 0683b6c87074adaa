namespace Portcullis.Cli.Hosting;

using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane;
using Portcullis.Model;
using Portcullis.Model.Manifests;
using Portcullis.Providers;
using Portcullis.Translation;

/// <summary>What one applied update produced, for the status sink.</summary>
internal sealed record AppliedUpdate(
    ResourceSnapshot Snapshot,
    StatusReport Status,
    IReadOnlyList<ManifestDiagnostic> Diagnostics,
    IReadOnlyList<BindFailure> BindFailures);

/// <summary>
/// The control loop: each provider update is translated and applied to the data plane, then published
/// to the status sink. Updates are handled one at a time, so the data plane never sees two configs racing.
/// </summary>
internal sealed partial class GatewayHost(
    IResourceProvider provider,
    TranslatorOptions options,
    ProxyServer proxy,
    Action<AppliedUpdate> publish,
    ILogger<GatewayHost> logger,
    Func<TranslationResult, TranslationResult>? select = null)
{
    private HashSet<string> _reported = [];
    private readonly StageClock _clock = new();
    private readonly GarbageAfterUpdates _garbage = new();
    private readonly TranslationCache _translationCache = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var revision = 0;
        await foreach (var update in provider.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            revision++;
            var started = Stopwatch.GetTimestamp();
            var (_, loadMb) = _clock.Mark(); // since the last update: what the provider allocated to produce this one
            ReportDiagnostics(update.Diagnostics);
            var result = Translator.Translate(update.Snapshot, options, _translationCache);
            if (select is not null)
            {
                result = select(result);
            }

            var (translateMs, translateMb) = _clock.Mark();
            var applied = await proxy.ApplyAsync(result.Config, cancellationToken).ConfigureAwait(false);
            var (applyMs, applyMb) = _clock.Mark();
            foreach (var failure in applied.Failures)
            {
                LogBindFailure(failure.Address, failure.Port, string.Join(", ", failure.Listeners), failure.Reason);
            }

            publish(new AppliedUpdate(update.Snapshot, result.Status, update.Diagnostics, applied.Failures));

            // The previous snapshot, translation and tables became garbage just now; see GarbageAfterUpdates.
            _garbage.UpdateApplied();
            var (publishMs, publishMb) = _clock.Mark();
            var (pauseMs, cpuMs, heapMb, committedMb) = _clock.Totals();
            var gen2 = GC.CollectionCount(2);
            LogStages(loadMb, translateMs, translateMb, applyMs, applyMb, publishMs, publishMb, pauseMs, cpuMs, gen2, heapMb, committedMb);

            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var routes = 0;
            foreach (var listener in result.Config.Listeners)
            {
                routes += listener.Routes.Count;
            }

            LogApplied(revision, result.Config.Listeners.Count, routes, elapsed);
        }
    }

    /// <summary>Prints each diagnostic once while it persists, so a watched directory does not repeat itself.</summary>
    private void ReportDiagnostics(IReadOnlyList<ManifestDiagnostic> diagnostics)
    {
        var current = new HashSet<string>();
        foreach (var d in diagnostics)
        {
            var line = d.ToString();
            current.Add(line);
            if (_reported.Contains(line))
            {
                continue;
            }

            switch (d.Severity)
            {
                case DiagnosticSeverity.Error:
                    LogManifestError(line);
                    break;
                case DiagnosticSeverity.Warning:
                    LogManifestWarning(line);
                    break;
                default:
                    LogManifestInfo(line);
                    break;
            }
        }

        _reported = current;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "applied revision {Revision}: {Listeners} listeners, {Routes} routes in {Milliseconds:F1} ms")]
    private partial void LogApplied(int revision, int listeners, int routes, double milliseconds);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "stage host: load allocated {LoadMb:F0} MB; translate {Translate:F0} ms {TranslateMb:F0} MB; apply {Apply:F0} ms {ApplyMb:F0} MB; publish {Publish:F0} ms {PublishMb:F0} MB; since the last update GC paused {Pauses:F0} ms, process CPU {Cpu:F0} ms; gen2 collections so far {Gen2}; GC heap {HeapMb:F0} MB, committed {CommittedMb:F0} MB")]
    private partial void LogStages(double loadMb, double translate, double translateMb, double apply, double applyMb, double publish, double publishMb, double pauses, double cpu, int gen2,
        double heapMb, double committedMb);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Diagnostic}")]
    private partial void LogManifestError(string diagnostic);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private partial void LogManifestWarning(string diagnostic);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Diagnostic}")]
    private partial void LogManifestInfo(string diagnostic);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "cannot listen on {Address}:{Port} for {Listeners}: {Reason}")]
    private partial void LogBindFailure(string address, int port, string listeners, string reason);
}
