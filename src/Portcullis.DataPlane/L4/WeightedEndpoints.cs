namespace Portcullis.DataPlane.L4;

using Portcullis.Ir;

/// <summary>
/// An L4 route's backends: one random number picks a backend by weight, another one of its endpoints.
/// An invalid backend, or one without endpoints, keeps its share: those connections are closed, as
/// an HTTP route answers 500 or 503 for its share.
/// </summary>
internal sealed class WeightedEndpoints
{
    private readonly WeightedBackend[] _backends;
    private readonly int[] _cumulativeWeights;
    private readonly int _totalWeight;

    public WeightedEndpoints(string routeName, EquatableArray<WeightedBackend> backends)
    {
        RouteName = routeName;
        var picked = new List<WeightedBackend>();
        var cumulative = new List<int>();
        foreach (var backend in backends)
        {
            if (backend.Weight > 0)
            {
                _totalWeight += backend.Weight;
                picked.Add(backend);
                cumulative.Add(_totalWeight);
            }
        }

        _backends = [.. picked];
        _cumulativeWeights = [.. cumulative];
    }

    public string RouteName { get; }

    /// <summary>Whether a backend that can still be picked has <paramref name="endpoint"/> (a UDP session checks its own after a change).</summary>
    public bool Contains(Endpoint endpoint)
    {
        foreach (var backend in _backends)
        {
            if (!backend.Invalid && backend.Endpoints.Contains(endpoint))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Null when the connection gets no backend (no weight, or the picked backend cannot take it).</summary>
    public Endpoint? Pick() => PickWithBackend().Endpoint;

    /// <summary>The endpoint and the backend it belongs to (whose TLS settings a terminated connection re-encrypts with).</summary>
    public (WeightedBackend? Backend, Endpoint? Endpoint) PickWithBackend()
    {
        if (_totalWeight == 0)
        {
            return default;
        }

        var roll = Random.Shared.Next(_totalWeight);
        var i = 0;
        while (_cumulativeWeights[i] <= roll)
        {
            i++;
        }

        var backend = _backends[i];
        return backend.Invalid || backend.Endpoints.IsEmpty ? default : (backend, backend.Endpoints[Random.Shared.Next(backend.Endpoints.Count)]);
    }
}
