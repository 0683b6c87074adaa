namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>gateway.networking.k8s.io ReferenceGrant: lets objects in other namespaces refer into this one.</summary>
public sealed record ReferenceGrant : KubernetesObject
{
    public ReferenceGrantSpec Spec { get; init; } = new();
}

public sealed record ReferenceGrantSpec
{
    public IReadOnlyList<ReferenceGrantFrom> From { get; init; } = [];

    public IReadOnlyList<ReferenceGrantTo> To { get; init; } = [];
}

public sealed record ReferenceGrantFrom
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Namespace { get; init; } = "";
}

public sealed record ReferenceGrantTo
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string? Name { get; init; }
}
