namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>gateway.networking.k8s.io BackendLBPolicy (v1alpha2, experimental in v1.2.1): session persistence for Services.</summary>
public sealed record BackendLbPolicy : KubernetesObject
{
    public const string KindName = "BackendLBPolicy";

    public BackendLbPolicySpec Spec { get; init; } = new();

    public PolicyStatus? Status { get; init; }
}

public sealed record BackendLbPolicySpec
{
    public IReadOnlyList<LocalPolicyTargetReference> TargetRefs { get; init; } = [];

    public SessionPersistence? SessionPersistence { get; init; }
}
