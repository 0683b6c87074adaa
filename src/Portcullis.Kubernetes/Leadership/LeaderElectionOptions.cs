namespace Portcullis.Kubernetes.Leadership;

/// <summary>Which Lease the controller replicas compete for, and how quickly a dead leader is replaced.</summary>
public sealed record LeaderElectionOptions
{
    public const string DefaultLeaseName = "portcullis-controller";
    public const string DefaultNamespace = "portcullis-system";

    /// <summary>The controller's own namespace: $POD_NAMESPACE, else portcullis-system.</summary>
    public string Namespace { get; init; } = Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns ? ns : DefaultNamespace;

    public string LeaseName { get; init; } = DefaultLeaseName;

    /// <summary>This replica's name in the Lease; the pod name where there is one, made unique per process.</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>How long others wait after the last renewal before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The leader gives up when it could not renew for this long.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the lease is renewed or its acquisition retried.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}
