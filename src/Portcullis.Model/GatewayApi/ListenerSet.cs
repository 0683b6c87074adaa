namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>
/// gateway.networking.k8s.io ListenerSet (v1): listeners another object contributes to a Gateway that allows
/// them (spec.allowedListeners). Its listener entries have the fields of a Gateway listener, and its listener
/// statuses those of a Gateway listener status, so both reuse the Gateway's records.
/// </summary>
public sealed record ListenerSet : KubernetesObject
{
    public const string KindName = "ListenerSet";

    public ListenerSetSpec Spec { get; init; } = new();

    public ListenerSetStatus? Status { get; init; }
}

public sealed record ListenerSetSpec
{
    public ParentGatewayReference ParentRef { get; init; } = new();

    public IReadOnlyList<Listener> Listeners { get; init; } = [];
}

/// <summary>The Gateway a ListenerSet attaches to; namespace defaults to the ListenerSet's.</summary>
public sealed record ParentGatewayReference
{
    public string? Group { get; init; }

    public string? Kind { get; init; }

    public string Name { get; init; } = "";

    public string? Namespace { get; init; }
}

public sealed record ListenerSetStatus
{
    public IReadOnlyList<Condition> Conditions { get; init; } = [];

    public IReadOnlyList<ListenerStatus> Listeners { get; init; } = [];
}
