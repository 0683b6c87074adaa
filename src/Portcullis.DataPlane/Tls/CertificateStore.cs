namespace Portcullis.DataPlane.Tls;

using System.Security.Cryptography;
using Portcullis.Ir;

/// <summary>
/// Keeps loaded certificates keyed by content, so an unchanged Secret reuses its chain context (once a
/// handshake has built it) across applies. Used only under the apply lock.
/// </summary>
internal sealed class CertificateStore
{
    private Dictionary<string, ServerCertificate> _loaded = new(StringComparer.Ordinal);
    private Dictionary<string, ServerCertificate> _next = new(StringComparer.Ordinal);
    private Dictionary<ClientCertificateValidation, ClientCertificatePolicy> _policies = [];
    private Dictionary<ClientCertificateValidation, ClientCertificatePolicy> _nextPolicies = [];

    // The content key of each loaded certificate, so a reused listener keeps its certificates without hashing them again.
    private Dictionary<ServerCertificate, string> _keys = new(ReferenceEqualityComparer.Instance);
    private Dictionary<ServerCertificate, string> _nextKeys = new(ReferenceEqualityComparer.Instance);

    /// <summary>Starts a new apply: certificates and client policies not requested before <see cref="EndApply"/> are dropped.</summary>
    public void BeginApply()
    {
        _next = new(_loaded.Count, StringComparer.Ordinal);
        _nextKeys = new(_keys.Count, ReferenceEqualityComparer.Instance);
        _nextPolicies = [];
    }

    public void EndApply()
    {
        foreach (var (key, certificate) in _loaded)
        {
            if (!_next.TryGetValue(key, out var kept) || !ReferenceEquals(kept, certificate))
            {
                certificate.ReleasePin();
            }
        }

        (_loaded, _keys) = (_next, _nextKeys);
        _policies = _nextPolicies;
    }

    /// <summary>The server stops: every certificate's OpenSSL context may go.</summary>
    public void ReleasePins()
    {
        foreach (var certificate in _loaded.Values)
        {
            certificate.ReleasePin();
        }
    }

    /// <summary>Keeps certificates a reused listener holds, as if <see cref="GetOrLoad"/> had asked for them again.</summary>
    public void Keep(IReadOnlyList<ServerCertificate> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        foreach (var certificate in certificates)
        {
            if (_keys.TryGetValue(certificate, out var key))
            {
                _next.TryAdd(key, certificate);
                _nextKeys.TryAdd(certificate, key);
            }
        }
    }

    /// <summary>Keeps the policy a reused listener holds, as if <see cref="GetOrCreatePolicy"/> had asked for it again.</summary>
    public void KeepPolicy(ClientCertificatePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _nextPolicies.TryAdd(policy.Validation, policy);
    }

    /// <summary>
    /// One policy object per distinct validation, kept across applies while unchanged: connections compare
    /// policies by reference first (<see cref="ClientCertificatePolicy.SameRequirement"/>), and the derived
    /// server options are built once.
    /// </summary>
    /// <exception cref="CryptographicException">A trusted CA's PEM does not parse (the translator parsed it already).</exception>
    public ClientCertificatePolicy GetOrCreatePolicy(ClientCertificateValidation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (!_nextPolicies.TryGetValue(validation, out var policy))
        {
            if (!_policies.TryGetValue(validation, out policy))
            {
                policy = new ClientCertificatePolicy(validation);
            }

            _nextPolicies[validation] = policy;
        }

        return policy;
    }

    /// <exception cref="CryptographicException">See <see cref="Load"/>.</exception>
    public ServerCertificate GetOrLoad(TlsCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var key = ContentKey(certificate);
        if (!_next.TryGetValue(key, out var loaded))
        {
            if (!_loaded.TryGetValue(key, out loaded))
            {
                loaded = Load(certificate);
            }

            _next[key] = loaded;
            _nextKeys[loaded] = key;
        }

        return loaded;
    }

    /// <summary>
    /// Names from the IR when the translator supplied them (no parsing at all), else from the leaf.
    /// The chain context is built later, by the first handshake that selects the certificate.
    /// </summary>
    /// <exception cref="CryptographicException">The IR carries no names and the chain PEM holds no certificate.</exception>
    public static ServerCertificate Load(TlsCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        IReadOnlyList<string> names = certificate.DnsNames.IsEmpty
            ? ServerCertificate.ReadDnsNames(certificate)
            : certificate.DnsNames.AsImmutableArray();
        return new ServerCertificate(certificate, names);
    }

    private static string ContentKey(TlsCertificate certificate)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        BitConverter.TryWriteBytes(length, certificate.CertificateChainPem.Length);
        hash.AppendData(length);
        hash.AppendData(certificate.CertificateChainPem.Span);
        hash.AppendData(certificate.PrivateKeyPem.Span);
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
