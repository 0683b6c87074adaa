namespace Portcullis.Kubernetes.Informers;

using Microsoft.Extensions.Logging;
using Portcullis.Kubernetes.Resources;
using Portcullis.Model.Core;

/// <summary>
/// One informer per Secret, each listing and watching its namespace with fieldSelector metadata.name=NAME: the
/// only form in which RBAC's resourceNames grant list and watch. A proxy pod's Role names exactly its Gateway's
/// Secrets, so it can read no other. The set follows the Gateway: informers start for new references and stop
/// for dropped ones.
/// </summary>
internal sealed class NamedSecretInformers(k8s.IKubernetes client, InformerOptions options, Action changed, ILogger logger) : IAsyncDisposable
{
    private readonly Dictionary<SecretName, Running> _running = [];

    /// <summary>True once every wanted Secret's first list has been answered (a 403 counts: it is retried in the background).</summary>
    public bool Settled => _running.Values.All(r => r.Informer.Attempted);

    public IEnumerable<KubernetesObject> Items => _running.Values.SelectMany(r => r.Informer.Items);

    /// <summary>Starts informers for Secrets newly wanted and stops those no longer wanted; returns whether anything changed.</summary>
    public async Task<bool> WantAsync(IReadOnlySet<SecretName> wanted)
    {
        var stale = _running.Keys.Where(k => !wanted.Contains(k)).ToList();
        foreach (var key in stale)
        {
            await _running[key].DisposeAsync().ConfigureAwait(false);
            _running.Remove(key);
        }

        var added = 0;
        foreach (var secret in wanted.Where(w => !_running.ContainsKey(w)))
        {
            var kind = ResourceKinds.Secret with { Namespace = secret.Namespace, FieldSelector = "metadata.name=" + secret.Name };
            _running[secret] = new Running(new Informer(client, kind, options, changed, logger));
            added++;
        }

        return added + stale.Count > 0;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var running in _running.Values)
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }

        _running.Clear();
    }

    private sealed class Running : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;

        public Running(Informer informer)
        {
            Informer = informer;
            _task = informer.RunAsync(_stop.Token);
        }

        public Informer Informer { get; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _task.ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
