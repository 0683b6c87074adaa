namespace Portcullis.Kubernetes;

using Portcullis.Model;
using Portcullis.Translation;

/// <summary>
/// Creates and updates what serves each Gateway of our class (Deployment, Service, ServiceAccount). The controller
/// loop calls it after each translation, and only while this replica holds the leader lease.
/// </summary>
public interface IGatewayProvisioner
{
    Task ReconcileAsync(ResourceSnapshot snapshot, TranslationResult result, CancellationToken ct);
}

/// <summary>Provisions nothing: for a controller that only writes status (and until a real provisioner is wired).</summary>
public sealed class NoGatewayProvisioner : IGatewayProvisioner
{
    public static NoGatewayProvisioner Instance { get; } = new();

    public Task ReconcileAsync(ResourceSnapshot snapshot, TranslationResult result, CancellationToken ct) => Task.CompletedTask;
}
