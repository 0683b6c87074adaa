namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>
/// gateway.networking.x-k8s.io XBackendTrafficPolicy (v1alpha1, experimental in v1.6.1): BackendLBPolicy's
/// successor; session persistence for Services, and a retry budget.
/// </summary>
public sealed record XBackendTrafficPolicy : KubernetesObject
{
    public const string KindName = "XBackendTrafficPolicy";

    public XBackendTrafficPolicySpec Spec { get; init; } = new();

    public PolicyStatus? Status { get; init; }
}

public sealed record XBackendTrafficPolicySpec
{
    public IReadOnlyList<LocalPolicyTargetReference> TargetRefs { get; init; } = [];

    public SessionPersistence? SessionPersistence { get; init; }

    /// <summary>Read so a manifest with it loads; Portcullis never retries, so the budget has nothing to limit.</summary>
    public RetryConstraint? RetryConstraint { get; init; }
}

public sealed record RetryConstraint
{
    public RetryBudget? Budget { get; init; }

    public RetryRate? MinRetryRate { get; init; }
}

public sealed record RetryBudget
{
    public int? Percent { get; init; }

    public string? Interval { get; init; }
}

public sealed record RetryRate
{
    public int? Count { get; init; }

    public string? Interval { get; init; }
}
