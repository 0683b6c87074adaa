namespace Portcullis.Model.Core;

/// <summary>discovery.k8s.io/v1 EndpointSlice.</summary>
public sealed record EndpointSlice : KubernetesObject
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public string AddressType { get; init; } = "IPv4";

    public IReadOnlyList<EndpointSliceEndpoint> Endpoints { get; init; } = [];

    public IReadOnlyList<EndpointSlicePort> Ports { get; init; } = [];

    /// <summary>The Service this slice belongs to, from its kubernetes.io/service-name label.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ServiceName =>
        Metadata.Labels is not null && Metadata.Labels.TryGetValue(ServiceNameLabel, out var name) ? name : null;
}

public sealed record EndpointSliceEndpoint
{
    public IReadOnlyList<string> Addresses { get; init; } = [];

    public EndpointConditions? Conditions { get; init; }

    public string? Hostname { get; init; }

    public string? NodeName { get; init; }
}

public sealed record EndpointConditions
{
    /// <summary>Unset means ready, as in Kubernetes.</summary>
    public bool? Ready { get; init; }

    public bool? Serving { get; init; }

    public bool? Terminating { get; init; }
}

public sealed record EndpointSlicePort
{
    public string? Name { get; init; }

    public int? Port { get; init; }

    public string? Protocol { get; init; }

    public string? AppProtocol { get; init; }
}
