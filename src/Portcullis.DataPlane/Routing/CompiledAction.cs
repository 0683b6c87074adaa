namespace Portcullis.DataPlane.Routing;

using System.Net;
using System.Net.Http;
using Portcullis.Ir;
using Yarp.ReverseProxy.Forwarder;

/// <summary>What a matched route does: answer directly, or forward to a backend picked by weight.</summary>
internal sealed class CompiledAction
{
    private readonly CompiledBackend[] _backends;

    // Running totals of the positive weights: a pick is one random number and a short scan.
    private readonly int[] _cumulativeWeights;
    private readonly int _totalWeight;

    public CompiledAction(RouteAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        DirectResponse = action.DirectResponse;
        var backends = new List<CompiledBackend>();
        var cumulative = new List<int>();
        var total = 0;
        foreach (var backend in action.Backends)
        {
            if (backend.Weight <= 0)
            {
                continue;
            }

            total += backend.Weight;
            backends.Add(new CompiledBackend(backend));
            cumulative.Add(total);
        }

        _backends = [.. backends];
        _cumulativeWeights = [.. cumulative];
        _totalWeight = total;
    }

    public DirectResponse? DirectResponse { get; }

    /// <summary>Null when no backend has a positive weight (the caller answers 500).</summary>
    public CompiledBackend? PickBackend()
    {
        if (_totalWeight == 0)
        {
            return null;
        }

        if (_backends.Length == 1)
        {
            return _backends[0];
        }

        var ticket = Random.Shared.Next(_totalWeight);
        for (var i = 0; i < _cumulativeWeights.Length; i++)
        {
            if (ticket < _cumulativeWeights[i])
            {
                return _backends[i];
            }
        }

        return _backends[^1];
    }
}

/// <summary>A backend with its endpoints as ready-made destination prefixes, picked round-robin.</summary>
internal sealed class CompiledBackend
{
    private static readonly ForwarderRequestConfig Http1Config = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private static readonly ForwarderRequestConfig H2cConfig = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private readonly string[] _destinations;
    private int _next = -1;

    public CompiledBackend(WeightedBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Name = backend.Name;
        Invalid = backend.Invalid;
        RequestConfig = backend.Protocol == BackendProtocol.H2c ? H2cConfig : Http1Config;
        _destinations = [.. backend.Endpoints.AsImmutableArray().Select(FormatDestination)];
    }

    public string Name { get; }

    public bool Invalid { get; }

    public bool HasEndpoints => _destinations.Length > 0;

    public ForwarderRequestConfig RequestConfig { get; }

    public string NextDestination()
    {
        var index = (uint)Interlocked.Increment(ref _next) % (uint)_destinations.Length;
        return _destinations[index];
    }

    private static string FormatDestination(Endpoint endpoint) =>
        IPAddress.TryParse(endpoint.Address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"http://[{ip}]:{endpoint.Port}"
            : $"http://{endpoint.Address}:{endpoint.Port}";
}
