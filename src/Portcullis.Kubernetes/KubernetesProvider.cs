namespace Portcullis.Kubernetes;

using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using Portcullis.Kubernetes.Informers;
using Portcullis.Kubernetes.Resources;
using Portcullis.Model;
using Portcullis.Providers;

/// <summary>How the Kubernetes provider settles bursts of events and retries the API server.</summary>
public sealed record KubernetesProviderOptions
{
    /// <summary>A snapshot waits until no event has arrived for this long.</summary>
    public TimeSpan QuietPeriod { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A snapshot is taken at most this long after the first event of a burst, even if events continue.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    public InformerOptions Informers { get; init; } = new();

    /// <summary>The kinds to watch; every kind the translator reads unless told otherwise.</summary>
    public IReadOnlyList<ResourceKind> Kinds { get; init; } = ResourceKinds.All;

    /// <summary>
    /// Null (the controller): every TLS Secret of the cluster. Otherwise (a proxy pod): no Secret kind informer;
    /// only the Secrets this function names, given the other objects, each watched by name
    /// (<see cref="GatewaySecrets.ReferencedBy(ResourceSnapshot, string, string)"/>).
    /// </summary>
    public Func<ResourceSnapshot, IReadOnlySet<SecretName>>? SecretsByName { get; init; }
}

/// <summary>
/// Kubernetes mode's provider: one informer per kind (and, for a proxy pod, one per Secret its Gateway names). The
/// first snapshot waits until every informer has listed once (the ready gate), so the translator never sees half a
/// cluster; after that, each settled burst of events becomes one snapshot. Read-only: it never writes to the API server.
/// </summary>
public sealed partial class KubernetesProvider(IKubernetes client, KubernetesProviderOptions options, ILogger logger) : IResourceProvider
{
    public async IAsyncEnumerable<ProviderUpdate> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var signals = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { SingleReader = true });
        void Changed() => signals.Writer.TryWrite(true);
        var kinds = options.SecretsByName is null ? options.Kinds : options.Kinds.Where(k => k != ResourceKinds.Secret);
        var informers = kinds.Select(k => new Informer(client, k, options.Informers, Changed, logger)).ToArray();
        await using var secrets = new NamedSecretInformers(client, options.Informers, Changed, logger);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = informers.Select(i => i.RunAsync(stop.Token)).ToArray();
        try
        {
            // The ready gate: every kind listed at least once.
            while (!informers.All(i => i.Listed))
            {
                await signals.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }

            while (signals.Reader.TryRead(out _))
            {
                // Events that arrived during the first lists are in this snapshot already.
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                if (options.SecretsByName is { } secretsByName)
                {
                    // The Secrets named by this snapshot, each answered once, so a proxy never starts without its
                    // certificates when it may read them.
                    await secrets.WantAsync(secretsByName(ResourceSnapshot.Create(Objects(informers, [])))).ConfigureAwait(false);
                    while (!secrets.Settled)
                    {
                        await signals.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                var objects = Objects(informers, secrets.Items);
                LogSnapshot(logger, objects.Count);
                yield return new ProviderUpdate(ResourceSnapshot.Create(objects), []);
                await Debounce.SettleAsync(signals.Reader, options.QuietPeriod, options.MaxDelay, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    private static List<Model.Core.KubernetesObject> Objects(IEnumerable<Informer> informers, IEnumerable<Model.Core.KubernetesObject> more) =>
        [.. informers.SelectMany(i => i.Items).Concat(more)];

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "snapshot of {ObjectCount} objects")]
    private static partial void LogSnapshot(ILogger logger, int objectCount);
}
