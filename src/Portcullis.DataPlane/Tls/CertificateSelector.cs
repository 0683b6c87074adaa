namespace Portcullis.DataPlane.Tls;

/// <summary>
/// Picks one of a listener's certificates by SNI: an exact name beats a wildcard ("*" is exactly
/// one label), earlier certificates win ties, and no SNI or no match gives the first certificate.
/// Precomputed like Kestrel's SniOptionsSelector: one or two dictionary lookups per handshake.
/// </summary>
internal sealed class CertificateSelector
{
    private readonly Dictionary<string, ServerCertificate> _exact;
    private readonly Dictionary<string, ServerCertificate> _wildcardParents;
    private readonly Dictionary<string, ServerCertificate>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly Dictionary<string, ServerCertificate>.AlternateLookup<ReadOnlySpan<char>> _wildcardLookup;

    public CertificateSelector(IReadOnlyList<ServerCertificate> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        if (certificates.Count == 0)
        {
            throw new ArgumentException("A listener needs at least one certificate.", nameof(certificates));
        }

        Default = certificates[0];
        Count = certificates.Count;
        All = certificates;
        _exact = new(StringComparer.OrdinalIgnoreCase);
        _wildcardParents = new(StringComparer.OrdinalIgnoreCase);
        foreach (var certificate in certificates)
        {
            foreach (var name in certificate.DnsNames)
            {
                if (name.StartsWith("*.", StringComparison.Ordinal))
                {
                    _wildcardParents.TryAdd(name[2..], certificate);
                }
                else
                {
                    _exact.TryAdd(name, certificate);
                }
            }
        }

        _exactLookup = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardLookup = _wildcardParents.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public ServerCertificate Default { get; }

    /// <summary>The listener's certificates in order.</summary>
    public IReadOnlyList<ServerCertificate> All { get; }

    /// <summary>How many certificates the listener has; with one, every name selects it.</summary>
    public int Count { get; }

    public ServerCertificate Select(string? serverName) => Select(serverName.AsSpan());

    /// <summary>Also used with a request's Host to detect a request misdirected to this connection.</summary>
    public ServerCertificate Select(ReadOnlySpan<char> serverName)
    {
        var name = serverName.TrimEnd('.');
        if (name.IsEmpty)
        {
            return Default;
        }

        if (_exactLookup.TryGetValue(name, out var exact))
        {
            return exact;
        }

        var dot = name.IndexOf('.');
        if (dot > 0 && _wildcardLookup.TryGetValue(name[(dot + 1)..], out var wildcard))
        {
            return wildcard;
        }

        return Default;
    }
}
