namespace Portcullis.Ir;

using System.Text.Json.Serialization;

/// <summary>How a handshake treats the client's certificate (Gateway API FrontendValidationModeType).</summary>
public enum ClientCertificateMode
{
    /// <summary>No certificate, or one that does not chain to the trusted CAs, fails the handshake.</summary>
    AllowValidOnly,

    /// <summary>The certificate is asked for, but the connection proceeds without one or with an invalid one.</summary>
    AllowInsecureFallback,
}

/// <summary>
/// Client-certificate validation for an HTTPS listener, from its Gateway's spec.tls.frontend (per port, else
/// the default). The client's chain must end in one of <paramref name="TrustedCas"/>; system roots never count.
/// </summary>
/// <param name="Port">The port whose configuration this is (the Gateway's perPort entry), or null for the default.</param>
/// <param name="TrustedCas">Every certificate of every valid CA bundle referenced, in reference order.</param>
public sealed record ClientCertificateValidation(ClientCertificateMode Mode, int? Port, EquatableArray<TrustedCa> TrustedCas);

/// <summary>One trust anchor. Dumps show where it came from and its fingerprint; the PEM itself stays out of them.</summary>
/// <param name="Source">"namespace/configmap" holding it.</param>
/// <param name="Subject">The certificate's subject distinguished name.</param>
/// <param name="Sha256">Hex SHA-256 of the DER certificate.</param>
/// <param name="Pem">The certificate alone, PEM.</param>
public sealed record TrustedCa(string Source, string Subject, string Sha256, [property: JsonIgnore] string Pem);
