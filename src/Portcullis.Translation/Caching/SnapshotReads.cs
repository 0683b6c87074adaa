namespace Portcullis.Translation.Caching;

using Portcullis.Model.Core;

/// <summary>
/// The Services and EndpointSlices one computation read through <see cref="SnapshotIndex"/>, with the objects it got: its
/// result still holds in another snapshot whose index gives the same objects (by reference) for the same lookups.
/// </summary>
internal sealed class SnapshotReads
{
    private readonly List<(string Ns, string Name, Service? Service)> _services = [];
    private readonly List<(string Ns, string Service, IReadOnlyList<EndpointSlice> Slices)> _slices = [];

    public void Service(string ns, string name, Service? service) => _services.Add((ns, name, service));

    public void Slices(string ns, string service, IReadOnlyList<EndpointSlice> slices) => _slices.Add((ns, service, slices));

    /// <summary>Whether every lookup made gives the same objects in this index.</summary>
    public bool Unchanged(SnapshotIndex index)
    {
        foreach (var (ns, name, service) in _services)
        {
            if (!ReferenceEquals(index.Service(ns, name), service))
            {
                return false;
            }
        }

        foreach (var (ns, service, slices) in _slices)
        {
            if (!Sequences.SameReferences(index.EndpointSlices(ns, service), slices))
            {
                return false;
            }
        }

        return true;
    }
}
