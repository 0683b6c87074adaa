namespace Portcullis.Model.GatewayApi;

/// <summary>
/// GEP-713 LocalPolicyTargetReference: an object in the policy's namespace; SectionName (the ...WithSectionName
/// variant BackendTLSPolicy uses) is a Service port name.
/// </summary>
public sealed record LocalPolicyTargetReference
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Name { get; init; } = "";

    public string? SectionName { get; init; }
}

/// <summary>GEP-713 PolicyStatus: one entry per ancestor (Gateway) the policy is relevant to (for BackendTLSPolicy, the Gateways whose routes use the target).</summary>
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
