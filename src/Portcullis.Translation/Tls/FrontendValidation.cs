namespace Portcullis.Translation.Tls;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.Ir;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Status;

/// <summary>
/// Gateway spec.tls.frontend (GEP-91): which HTTPS listeners ask for a client certificate and which CAs it must
/// chain to. The setting is per port, not per listener, because one TLS connection (HTTP/2 coalescing) may serve
/// every hostname on its port; the data plane answers 421 when a request would cross into a listener with another
/// requirement. A perPort entry targets the HTTPS listeners on its port; the default targets the others.
/// </summary>
internal static class FrontendValidation
{
    private const string ConfigMapKind = "ConfigMap";

    /// <summary>Resolves the Gateway's CA references once per configuration and applies the result to each targeted listener.</summary>
    public static void Apply(TranslationContext context, GatewayState gateway)
    {
        if (gateway.Gateway.Spec.Tls?.Frontend is not { } frontend)
        {
            return;
        }

        gateway.InsecureFrontendValidation = InsecureMessage(frontend);
        var resolved = new Dictionary<int, Resolution>();
        foreach (var l in gateway.Listeners)
        {
            if (l.Protocol != ListenerProtocol.Https)
            {
                continue;
            }

            var perPort = frontend.PerPort?.FirstOrDefault(p => p.Port == l.Spec.Port);
            if ((perPort?.Tls ?? frontend.Default).Validation is not { } validation)
            {
                continue;
            }

            // Key 0 is the default (ports are 1-65535): listeners sharing a configuration share its resolution.
            var key = perPort?.Port ?? 0;
            if (!resolved.TryGetValue(key, out var resolution))
            {
                resolved[key] = resolution = Resolve(context, gateway, validation, perPort is null ? "default" : $"port {perPort.Port}");
            }

            foreach (var (reason, message) in resolution.Errors)
            {
                l.AddRefError(reason, message);
            }

            if (resolution.TrustedCas.Count == 0)
            {
                l.NoValidCaCertificate = $"no valid CA certificate for client certificate validation ({resolution.Scope})";
                continue;
            }

            var mode = validation.Mode == FrontendTlsValidation.AllowInsecureFallback
                ? ClientCertificateMode.AllowInsecureFallback
                : ClientCertificateMode.AllowValidOnly;
            l.ClientValidation = new ClientCertificateValidation(mode, perPort?.Port, resolution.TrustedCas.ToEquatableArray());
        }
    }

    /// <summary>Set while any configuration (default or per port) allows insecure fallback; the condition goes away with it.</summary>
    private static string? InsecureMessage(FrontendTlsConfig frontend)
    {
        var insecure = new List<string>();
        if (frontend.Default.Validation?.Mode == FrontendTlsValidation.AllowInsecureFallback)
        {
            insecure.Add("default");
        }

        foreach (var p in frontend.PerPort ?? [])
        {
            if (p.Tls.Validation?.Mode == FrontendTlsValidation.AllowInsecureFallback)
            {
                insecure.Add($"port {p.Port}");
            }
        }

        return insecure.Count == 0 ? null
            : $"client certificate validation mode is AllowInsecureFallback ({string.Join(", ", insecure)}): connections without a valid client certificate are accepted";
    }

    private static Resolution Resolve(TranslationContext context, GatewayState gateway, FrontendTlsValidation validation, string scope)
    {
        var gwNs = gateway.Gateway.Metadata.Namespace ?? "";
        var result = new Resolution(scope);
        foreach (var r in validation.CaCertificateRefs)
        {
            var ns = r.Namespace ?? gwNs;
            var name = $"{ns}/{r.Name}";
            if (r.Group.Length != 0 || r.Kind != ConfigMapKind)
            {
                result.Errors.Add((ListenerReasons.InvalidCACertificateKind,
                    $"caCertificateRef {(r.Group.Length == 0 ? "" : r.Group + "/")}{r.Kind} {name} ({scope}): only ConfigMaps (key {ConfigMap.CaCertKey}) are supported"));
                continue;
            }

            if (!context.Index.ReferencePermitted(GatewayApiGroup.Name, "Gateway", gwNs, "", ConfigMapKind, ns, r.Name))
            {
                result.Errors.Add((ListenerReasons.RefNotPermitted,
                    $"caCertificateRef ConfigMap {name} ({scope}): no ReferenceGrant in namespace {ns} allows Gateways from namespace {gwNs} to refer to it"));
                continue;
            }

            var error = context.Index.ConfigMap(ns, r.Name) is not { } cm ? "does not exist"
                : cm.Get(ConfigMap.CaCertKey) is not { Length: > 0 } pem ? $"has no {ConfigMap.CaCertKey}"
                : ReadBundle(name, pem, result.TrustedCas);
            if (error is not null)
            {
                result.Errors.Add((ListenerReasons.InvalidCACertificateRef, $"caCertificateRef ConfigMap {name} ({scope}): {error}"));
            }
        }

        return result;
    }

    /// <summary>Adds every certificate of a PEM bundle; null when it holds at least one and nothing malformed.</summary>
    internal static string? ReadBundle(string source, byte[] pem, List<TrustedCa> into)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(pem));
        }
        catch (Exception e) when (e is CryptographicException or DecoderFallbackException or ArgumentException)
        {
            return $"{ConfigMap.CaCertKey} holds a malformed PEM certificate";
        }

        try
        {
            if (certificates.Count == 0)
            {
                return $"{ConfigMap.CaCertKey} holds no PEM certificate";
            }

            foreach (var c in certificates)
            {
                into.Add(new TrustedCa(source, c.Subject, c.GetCertHashString(HashAlgorithmName.SHA256), c.ExportCertificatePem()));
            }

            return null;
        }
        finally
        {
            foreach (var c in certificates)
            {
                c.Dispose();
            }
        }
    }

    private sealed class Resolution(string scope)
    {
        public string Scope { get; } = scope;

        public List<(string Reason, string Message)> Errors { get; } = [];

        public List<TrustedCa> TrustedCas { get; } = [];
    }
}
