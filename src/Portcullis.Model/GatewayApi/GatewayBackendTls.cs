namespace Portcullis.Model.GatewayApi;

/// <summary>Gateway spec.tls.backend: what the Gateway presents when a backend asks for a client certificate.</summary>
public sealed record GatewayBackendTls
{
    /// <summary>A kubernetes.io/tls Secret; another namespace needs a ReferenceGrant.</summary>
    public SecretObjectReference? ClientCertificateRef { get; init; }
}
