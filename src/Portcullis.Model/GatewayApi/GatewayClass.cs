namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>gateway.networking.k8s.io GatewayClass.</summary>
public sealed record GatewayClass : KubernetesObject
{
    public GatewayClassSpec Spec { get; init; } = new();

    public GatewayClassStatus? Status { get; init; }
}

public sealed record GatewayClassSpec
{
    public string ControllerName { get; init; } = "";

    public ParametersReference? ParametersRef { get; init; }

    public string? Description { get; init; }
}

public sealed record ParametersReference
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Namespace { get; init; }
}

public sealed record GatewayClassStatus
{
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
}
