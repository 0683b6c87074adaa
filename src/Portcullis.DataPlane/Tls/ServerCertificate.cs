namespace Portcullis.DataPlane.Tls;

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.Ir;

/// <summary>
/// A certificate a listener can serve: the DNS names it answers for (its DNS SANs, or its CN when it
/// has no DNS SAN), known at apply, and its chain context and server options, built once, by the
/// first handshake that selects it. Until then it costs only its PEM bytes (shared with the IR), so
/// 10,000 certificates of which few are used apply in milliseconds and stay small.
/// </summary>
internal sealed class ServerCertificate
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private const int Unpinned = 0, Pinning = 1, Pinned = 2, Released = 3;

    private readonly Lazy<(X509Certificate2 Leaf, SslServerAuthenticationOptions Options)> _loaded;
    private ContextPin? _pin;
    private int _pinState;

    public ServerCertificate(TlsCertificate source, IReadOnlyList<string> dnsNames)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(dnsNames);
        Name = source.Name;
        DnsNames = dnsNames;

        // ExecutionAndPublication: concurrent first handshakes build one context and all wait for it.
        // A failure is cached too: the translator validated the pair, so it would fail the same way again.
        _loaded = new(() => Load(source), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>"namespace/secret".</summary>
    public string Name { get; }

    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>Whether a handshake (or a caller of <see cref="ServerOptions"/>) has built the context yet.</summary>
    public bool IsLoaded => _loaded.IsValueCreated;

    /// <exception cref="System.Security.Cryptography.CryptographicException">The PEM does not hold a certificate and key.</exception>
    /// <exception cref="ArgumentException">The key does not belong to the certificate.</exception>
    public X509Certificate2 Leaf => _loaded.Value.Leaf;

    /// <summary>Shared by every handshake that picks this certificate; built on first use.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The PEM does not hold a certificate and key.</exception>
    /// <exception cref="ArgumentException">The key does not belong to the certificate.</exception>
    public SslServerAuthenticationOptions ServerOptions => _loaded.Value.Options;

    /// <summary>Whether a <see cref="ContextPin"/> holds this certificate's OpenSSL context (tests).</summary>
    internal bool IsPinned => Volatile.Read(ref _pinState) == Pinned && _pin is not null;

    /// <summary>
    /// Called by handshakes that use <see cref="ServerOptions"/>: the first one pins the certificate's OpenSSL context
    /// (off the handshake's thread), so it keeps its sessions between connections. Costs one read afterwards.
    /// </summary>
    public void EnsurePinned()
    {
        if (Volatile.Read(ref _pinState) != Unpinned || Interlocked.CompareExchange(ref _pinState, Pinning, Unpinned) != Unpinned)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static self =>
            {
                ContextPin? pin = null;
                try
                {
                    pin = ContextPin.TryCreate(self.ServerOptions);
                }
                catch (Exception ex) when (ex is IOException or AuthenticationException or CryptographicException or PlatformNotSupportedException)
                {
                    // Unpinned: the certificate is served as without pins.
                }

                self._pin = pin;
                if (Interlocked.CompareExchange(ref self._pinState, Pinned, Pinning) != Pinning)
                {
                    pin?.Dispose(); // Released meanwhile.
                }
            },
            this,
            preferLocal: false);
    }

    /// <summary>The certificate is no longer served (rotated, removed, server stopped): let its context go.</summary>
    public void ReleasePin()
    {
        if (Interlocked.Exchange(ref _pinState, Released) == Pinned)
        {
            _pin?.Dispose();
        }
    }

    /// <summary>The names of the chain's leaf, parsed: only for certificates whose IR did not carry them.</summary>
    public static IReadOnlyList<string> ReadDnsNames(TlsCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var leaf = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(certificate.CertificateChainPem.Span));
        return ReadDnsNames(leaf);
    }

    public static IReadOnlyList<string> ReadDnsNames(X509Certificate2 certificate) => TlsCertificate.ReadDnsNames(certificate);

    private static (X509Certificate2, SslServerAuthenticationOptions) Load(TlsCertificate certificate)
    {
        var chainPem = Encoding.ASCII.GetString(certificate.CertificateChainPem.Span);
        var keyPem = Encoding.ASCII.GetString(certificate.PrivateKeyPem.Span);

        // CreateFromPem takes the first certificate in the chain as the leaf; the rest are intermediates.
        var leaf = X509Certificate2.CreateFromPem(chainPem, keyPem);
        var all = new X509Certificate2Collection();
        all.ImportFromPem(chainPem);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            intermediates.Add(all[i]);
        }

        // offline: the chain comes from the Secret; never fetch intermediates from the network.
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);

        // Kestrel only clones options when an OnAuthenticate callback could mutate them, and we have none.
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = Alpn,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        return (leaf, options);
    }
}
