namespace Portcullis.Kubernetes.Hosting;

using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using Portcullis.Kubernetes.Leadership;
using Portcullis.Kubernetes.Status;
using Portcullis.Model;
using Portcullis.Providers;
using Portcullis.Translation;

/// <summary>What the controller loop needs besides the cluster.</summary>
public sealed record ControllerOptions
{
    /// <summary>
    /// Kubernetes mode by default: addresses from each Gateway's provisioned Service, and listeners of different
    /// Gateways never conflict (each Gateway has pods of its own). The standalone default would make two Gateways
    /// with a listener on one port Conflicted.
    /// </summary>
    public TranslatorOptions Translator { get; init; } = new() { AddressSource = AddressSource.ProvisionedService };

    /// <summary>Null: this is the only replica and always leads (no Lease).</summary>
    public LeaderElectionOptions? LeaderElection { get; init; } = new();

    /// <summary>After a failed status write or provisioning, try again after this long, doubling on each failure in a row.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>While a GatewayClass names a GatewayParameters that does not exist, look for it again this often (nothing watches our kind).</summary>
    public TimeSpan ParametersRecheck { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between retries while the API server keeps failing.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>One translation: the snapshot it came from and what it produced.</summary>
public sealed record ControllerState(ProviderUpdate Update, TranslationResult Result);

/// <summary>
/// The controller loop of Kubernetes mode: every provider update is translated (on every replica, so a new leader
/// has a result at once); the leader then writes status and provisions. Reconciling runs apart from translating,
/// always on the latest result, so a slow API server never queues stale work, and becoming leader triggers a pass
/// on its own. The controller serves no traffic.
/// </summary>
public sealed partial class ControllerHost
{
    private readonly IResourceProvider _provider;
    private readonly ControllerOptions _options;
    private readonly IGatewayProvisioner _provisioner;
    private readonly StatusWriter _status;
    private readonly ClassParameters _parameters;
    private readonly Leadership? _leadership;
    private readonly Action<ControllerState>? _translated;
    private readonly ILogger _logger;
    private readonly TranslationCache _translationCache = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private ControllerState? _latest;

    public ControllerHost(
        IKubernetes client,
        IResourceProvider provider,
        ControllerOptions options,
        IGatewayProvisioner provisioner,
        ILoggerFactory loggerFactory,
        Action<ControllerState>? translated = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _provider = provider;
        _options = options;
        _provisioner = provisioner;
        _translated = translated;
        _logger = loggerFactory.CreateLogger<ControllerHost>();
        _status = new StatusWriter(client, options.Translator.ControllerName, loggerFactory.CreateLogger<StatusWriter>());
        _parameters = new ClassParameters(client);
        _leadership = options.LeaderElection is null
            ? null
            : new Leadership(client, options.LeaderElection, () => _wake.Writer.TryWrite(true), loggerFactory.CreateLogger<Leadership>());
    }

    /// <summary>True while this replica may write (always, without leader election).</summary>
    public bool IsLeader => _leadership?.IsLeader ?? true;

    /// <summary>The latest translation, or null before the first snapshot.</summary>
    public ControllerState? Latest => Volatile.Read(ref _latest);

    public async Task RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var leading = _leadership?.RunAsync(stop.Token) ?? Task.CompletedTask;
        var reconciling = ReconcileLoopAsync(stop.Token);
        try
        {
            await foreach (var update in _provider.WatchAsync(ct).ConfigureAwait(false))
            {
                var state = new ControllerState(update, Translator.Translate(update.Snapshot, _options.Translator, _translationCache));
                Volatile.Write(ref _latest, state);
                _translated?.Invoke(state);
                LogTranslated(_logger, state.Result.Config.Listeners.Count);
                _wake.Writer.TryWrite(true);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(leading, reconciling).ConfigureAwait(false);
        }
    }

    private async Task ReconcileLoopAsync(CancellationToken ct)
    {
        var delay = _options.RetryDelay;
        try
        {
            while (await _wake.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                if (!IsLeader || Latest is not { } state)
                {
                    continue;
                }

                try
                {
                    var (status, parametersMissing) = await _parameters.AmendAsync(state.Update.Snapshot, state.Result.Status, ct).ConfigureAwait(false);
                    var patched = await _status.WriteAsync(state.Update.Snapshot, status, ct).ConfigureAwait(false);
                    await _provisioner.ReconcileAsync(state.Update.Snapshot, state.Result, ct).ConfigureAwait(false);
                    LogReconciled(_logger, patched);
                    delay = _options.RetryDelay;
                    if (parametersMissing)
                    {
                        _ = Task.Delay(_options.ParametersRecheck, ct).ContinueWith(
                            _ => _wake.Writer.TryWrite(true), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                    }
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // Whatever failed (an API error, a refused connection, an HttpClient timeout, which is a
                    // TaskCanceledException) must not end the loop: this replica would stay leader and do nothing.
                    LogReconcileFailed(_logger, delay.TotalSeconds, e);
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                    _wake.Writer.TryWrite(true);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Debug, Message = "translated: {Listeners} listeners")]
    private static partial void LogTranslated(ILogger logger, int listeners);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "reconciled: {Patched} status patches")]
    private static partial void LogReconciled(ILogger logger, int patched);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "reconciling failed; retrying in {Seconds} s")]
    private static partial void LogReconcileFailed(ILogger logger, double seconds, Exception exception);
}
