namespace Portcullis.DataPlane.Routing;

using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>
/// The listeners compiled by the previous apply, reused by the next one when their <see cref="ListenerConfig"/> is
/// equal (the IR compares by value). A change to one route of 10,000 listeners then compiles one listener instead of
/// all of them, and the reused listeners keep their state (round-robin positions, loaded certificate contexts).
/// Used only under the apply lock.
/// </summary>
internal sealed class CompiledListenerCache
{
    // By listener name, unique in a config (an address or port that changed makes the config unequal). The two tables
    // take turns and are emptied rather than made anew: at 10,000 listeners each is 0.3 MB of the large object heap.
    private Dictionary<string, Entry> _previous = new(StringComparer.Ordinal);
    private Dictionary<string, Entry> _next = new(StringComparer.Ordinal);
    private GatewayConfig? _previousRest;

    /// <summary>Listeners reused by the last apply, for the Debug log and tests.</summary>
    public int Reused { get; private set; }

    /// <summary>Listeners compiled by the last apply.</summary>
    public int Compiled { get; private set; }

    /// <summary>
    /// Starts an apply. Anything a listener's tables could read outside its own config (members of
    /// <see cref="GatewayConfig"/> other than the listeners, should the IR grow some) invalidates every listener.
    /// </summary>
    public void BeginApply(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var rest = config with { Listeners = EquatableArray<ListenerConfig>.Empty };
        if (_previousRest is not null && !_previousRest.Equals(rest))
        {
            _previous.Clear();
        }

        _previousRest = rest;
        _next.Clear();
        _next.EnsureCapacity(_previous.Count);
        Reused = Compiled = 0;
    }

    /// <summary>Drops the listeners this apply did not ask for.</summary>
    public void EndApply()
    {
        (_previous, _next) = (_next, _previous);
        _next.Clear(); // holds the replaced listeners no longer
    }

    /// <summary>The previous apply's listener when its config is equal, else a new one from <paramref name="compile"/>.</summary>
    public CompiledListener GetOrCompile(ListenerConfig config, CertificateStore certificates, Func<ListenerConfig, CompiledListener> compile)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(compile);
        var key = config.Name;
        if (_previous.TryGetValue(key, out var entry) && entry.Config.Equals(config))
        {
            // Its certificates stay in the store, so a listener compiled later with the same PEM shares them.
            if (entry.Listener.Certificates is { } selector)
            {
                certificates.Keep(selector.All);
            }

            // Likewise its client-certificate policy, so listeners compiled later with the same validation share it.
            if (entry.Listener.ClientCertificates is { } policy)
            {
                certificates.KeepPolicy(policy);
            }

            Reused++;
        }
        else
        {
            entry = new Entry(config, compile(config));
            Compiled++;
        }

        _next.TryAdd(key, entry);
        return entry.Listener;
    }

    private sealed record Entry(ListenerConfig Config, CompiledListener Listener);
}
