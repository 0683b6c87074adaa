namespace Portcullis.Model.Core;

/// <summary>core/v1 Service: only what routing needs.</summary>
public sealed record Service : KubernetesObject
{
    public ServiceSpec Spec { get; init; } = new();

    /// <summary>Written by a cloud controller; in Kubernetes mode a provisioned Service's ingress is its Gateway's address.</summary>
    public ServiceStatus? Status { get; init; }
}

public sealed record ServiceStatus
{
    public LoadBalancerStatus? LoadBalancer { get; init; }
}

public sealed record LoadBalancerStatus
{
    public IReadOnlyList<LoadBalancerIngress>? Ingress { get; init; }
}

public sealed record LoadBalancerIngress
{
    public string? Ip { get; init; }

    public string? Hostname { get; init; }
}

public sealed record ServiceSpec
{
    public string? Type { get; init; }

    public string? ClusterIP { get; init; }

    public IReadOnlyList<ServicePort> Ports { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Selector { get; init; }
}

public sealed record ServicePort
{
    public string? Name { get; init; }

    public string? Protocol { get; init; }

    public int Port { get; init; }

    public IntOrString? TargetPort { get; init; }

    public string? AppProtocol { get; init; }
}

/// <summary>Kubernetes IntOrString: a port number or a port name.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.IntOrStringConverter))]
public readonly record struct IntOrString(int? IntValue, string? StringValue)
{
    public static IntOrString FromInt(int value) => new(value, null);

    public static IntOrString FromString(string value) => new(null, value);

    public override string ToString() => IntValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? StringValue ?? "";
}
