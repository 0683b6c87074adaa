namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>
/// gateway.networking.k8s.io BackendTLSPolicy (v1, and v1alpha3 of the workshop's era, which has the same fields):
/// how the gateway speaks TLS to the Service ports it targets.
/// </summary>
public sealed record BackendTlsPolicy : KubernetesObject
{
    public const string KindName = "BackendTLSPolicy";

    public BackendTlsPolicySpec Spec { get; init; } = new();

    public PolicyStatus? Status { get; init; }
}

public sealed record BackendTlsPolicySpec
{
    public IReadOnlyList<LocalPolicyTargetReference> TargetRefs { get; init; } = [];

    public BackendTlsPolicyValidation Validation { get; init; } = new();

    public IReadOnlyDictionary<string, string>? Options { get; init; }
}

public sealed record BackendTlsPolicyValidation
{
    /// <summary>ConfigMaps (key ca.crt) or Secrets (key ca.crt) in the policy's namespace holding PEM CA certificates.</summary>
    public IReadOnlyList<LocalObjectReference>? CaCertificateRefs { get; init; }

    /// <summary>"System": the machine's trusted roots.</summary>
    public string? WellKnownCACertificates { get; init; }

    /// <summary>The SNI, and the name the backend's certificate must match unless SubjectAltNames is set.</summary>
    public string Hostname { get; init; } = "";

    public IReadOnlyList<SubjectAltName>? SubjectAltNames { get; init; }
}

public sealed record SubjectAltName
{
    /// <summary>Hostname or URI.</summary>
    public string Type { get; init; } = "";

    public string? Hostname { get; init; }

    public string? Uri { get; init; }
}
