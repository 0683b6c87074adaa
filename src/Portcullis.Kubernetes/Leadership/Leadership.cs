namespace Portcullis.Kubernetes.Leadership;

using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

/// <summary>
/// Lease-based leader election (KubernetesClient's LeaderElector and LeaseLock): only the holder of the Lease
/// writes status and provisions. A replica that stops hands the Lease back at once (holder cleared), so another
/// takes over without waiting for the lease to expire; one that dies is replaced after LeaseDuration.
/// </summary>
internal sealed partial class Leadership(IKubernetes client, LeaderElectionOptions options, Action becameLeader, ILogger logger)
{
    private volatile bool _leading;

    public bool IsLeader => _leading;

    public async Task RunAsync(CancellationToken ct)
    {
        var config = new LeaderElectionConfig(new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity))
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        elector.OnStartedLeading += () =>
        {
            _leading = true;
            LogStarted(logger, options.Identity, options.Namespace, options.LeaseName);
            becameLeader();
        };
        elector.OnStoppedLeading += () =>
        {
            _leading = false;
            LogStopped(logger, options.Identity);
        };
        elector.OnNewLeader += leader => LogNewLeader(logger, leader);
        elector.OnError += e => LogError(logger, e);
        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            _leading = false;
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Clears the holder if it is still us, as client-go's ReleaseOnCancel does.</summary>
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(options.RetryPeriod + options.RetryPeriod);
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(options.LeaseName, options.Namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != options.Identity)
            {
                return;
            }

            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, options.LeaseName, options.Namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            LogReleased(logger, options.LeaseName);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            LogReleaseFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "{Identity} is now the leader (Lease {Namespace}/{Lease}): writing status and provisioning")]
    private static partial void LogStarted(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "{Identity} is no longer the leader")]
    private static partial void LogStopped(ILogger logger, string identity);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "the leader is {Leader}")]
    private static partial void LogNewLeader(ILogger logger, string leader);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "leader election error")]
    private static partial void LogError(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "released Lease {Lease}")]
    private static partial void LogReleased(ILogger logger, string lease);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "could not release the Lease")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}
