namespace Portcullis.Model.GatewayApi;

/// <summary>GEP-713 LocalPolicyTargetReference: an object in the policy's namespace.</summary>
public sealed record LocalPolicyTargetReference
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Name { get; init; } = "";
}

/// <summary>GEP-713 PolicyStatus: one entry per ancestor (Gateway) the policy is relevant to.</summary>
public sealed record PolicyStatus
{
    public IReadOnlyList<PolicyAncestorStatus> Ancestors { get; init; } = [];
}

public sealed record PolicyAncestorStatus
{
    public ParentReference AncestorRef { get; init; } = new();

    public string ControllerName { get; init; } = "";

    public IReadOnlyList<Condition> Conditions { get; init; } = [];
}
