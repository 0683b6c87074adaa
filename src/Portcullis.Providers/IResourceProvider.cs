namespace Portcullis.Providers;

using Portcullis.Model;
using Portcullis.Model.Manifests;

/// <summary>A new complete view of the world, and what was found wrong in the input that produced it.</summary>
public sealed record ProviderUpdate(ResourceSnapshot Snapshot, IReadOnlyList<ManifestDiagnostic> Diagnostics);

/// <summary>Produces snapshots: the first as soon as the initial state is known, then one per settled change.</summary>
public interface IResourceProvider
{
    IAsyncEnumerable<ProviderUpdate> WatchAsync(CancellationToken cancellationToken);
}
