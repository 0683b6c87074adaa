namespace Portcullis.DataPlane.Tls;

using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Portcullis.Ir;

/// <summary>
/// What a handshake on an HTTPS listener with client validation (Gateway spec.tls.frontend) asks of the client:
/// a certificate chaining to the configured CAs only (never the system roots). AllowValidOnly fails the handshake
/// without one; AllowInsecureFallback asks but lets the connection proceed. Server options are derived once per
/// certificate of the listener and shared by every handshake that selects it.
/// </summary>
internal sealed class ClientCertificatePolicy
{
    // Weak keys: a certificate the store has dropped takes its derived options with it.
    private readonly ConditionalWeakTable<ServerCertificate, SslServerAuthenticationOptions> _options = [];
    private readonly X509Certificate2Collection _trusted = [];

    public ClientCertificatePolicy(ClientCertificateValidation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        Validation = validation;
        foreach (var ca in validation.TrustedCas)
        {
            _trusted.Add(X509Certificate2.CreateFromPem(ca.Pem));
        }
    }

    public ClientCertificateValidation Validation { get; }

    public ClientCertificateMode Mode => Validation.Mode;

    /// <summary>
    /// Whether a connection whose handshake applied <paramref name="connection"/> may carry a request for a listener
    /// requiring <paramref name="listener"/>. Equal requirements (the same object after an unchanged apply, or equal
    /// CAs and mode on listeners of other Gateways sharing the port) are interchangeable; any other pair is not, so a
    /// request coalesced onto a connection that was never asked for the right certificate is answered 421.
    /// </summary>
    public static bool SameRequirement(ClientCertificatePolicy? connection, ClientCertificatePolicy? listener) =>
        ReferenceEquals(connection, listener)
        || (connection is not null && listener is not null
            && connection.Mode == listener.Mode && connection.Validation.TrustedCas.Equals(listener.Validation.TrustedCas));

    /// <summary>The certificate's server options plus the client-certificate request and its validation.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The certificate cannot be loaded.</exception>
    public SslServerAuthenticationOptions OptionsFor(ServerCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);

        // Lookup first: GetValue would allocate its callback delegate on every handshake.
        return _options.TryGetValue(certificate, out var options) ? options : _options.GetValue(certificate, Create);
    }

    /// <summary>The RemoteCertificateValidationCallback's verdict, apart from SslStream so tests can call it.</summary>
    internal bool Accepts(X509Certificate? certificate, SslPolicyErrors errors) =>
        Mode == ClientCertificateMode.AllowInsecureFallback || (certificate is not null && errors == SslPolicyErrors.None);

    private SslServerAuthenticationOptions Create(ServerCertificate certificate)
    {
        var plain = certificate.ServerOptions;
        var chainPolicy = new X509ChainPolicy
        {
            // Only the configured CAs anchor a chain; intermediates the client sends are added by SslStream.
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        chainPolicy.CustomTrustStore.AddRange(_trusted);
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = plain.ServerCertificateContext,
            EnabledSslProtocols = plain.EnabledSslProtocols,
            ApplicationProtocols = plain.ApplicationProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = true,
            CertificateChainPolicy = chainPolicy,
            RemoteCertificateValidationCallback = (_, cert, _, errors) => Accepts(cert, errors),

            // A session resumed from a ticket skips the client certificate, and the ticket may come from a listener
            // that never asked for one (same server certificate, so same OpenSSL context): always do a full handshake.
            AllowTlsResume = false,
        };
    }
}
