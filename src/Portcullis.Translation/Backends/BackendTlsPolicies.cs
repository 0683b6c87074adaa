namespace Portcullis.Translation.Backends;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.Ir;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Status;

/// <summary>What the translator decided about one BackendTLSPolicy, before knowing which Gateways use it.</summary>
/// <param name="Tls">The settings backends it targets get; null when its CA references are unusable (those backends answer 5xx).</param>
/// <param name="ConflictedWith">The policy that took precedence on a shared target; null when this one is not conflicted.</param>
/// <param name="RefsReason">ResolvedRefs=False reason (InvalidCACertificateRef, InvalidKind); null when every reference resolved.</param>
/// <param name="NoValidCa">No CA reference was usable: Accepted=False, NoValidCACertificate.</param>
internal sealed record BackendTlsVerdict(
    BackendTlsPolicy Policy,
    BackendTls? Tls,
    string? ConflictedWith,
    string? RefsReason,
    string? RefsMessage,
    bool NoValidCa);

/// <summary>
/// Every BackendTLSPolicy of a snapshot, resolved once: CA bundles read from ConfigMaps (or Secrets, key ca.crt)
/// or the system roots, conflicts settled (oldest creationTimestamp, then namespace/name, wins each target),
/// and a lookup from a Service port to the policy that applies to it (one naming the port wins over one for the
/// whole Service). Pure: certificates are parsed, nothing is read from disk.
/// </summary>
internal sealed class BackendTlsPolicies
{
    public const string CaCertificateKey = "ca.crt";

    private readonly Dictionary<(string Ns, string Service, string Section), BackendTlsVerdict> _byTarget = [];
    private readonly Dictionary<(string Ns, string Name), ConfigMap> _configMaps = [];

    public BackendTlsPolicies(ResourceSnapshot snapshot, SnapshotIndex index)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (var c in snapshot.ConfigMaps)
        {
            _configMaps[(c.Metadata.Namespace ?? "", c.Metadata.Name)] = c;
        }

        var verdicts = new Dictionary<ObjectRef, BackendTlsVerdict>();
        var ordered = snapshot.BackendTlsPolicies
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(p => p.Metadata.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal);
        foreach (var policy in ordered)
        {
            var verdict = Resolve(policy, index, _configMaps);
            var ns = policy.Metadata.Namespace ?? "";
            foreach (var target in policy.Spec.TargetRefs)
            {
                if (target.Group.Length != 0 || target.Kind != "Service")
                {
                    continue; // only Services are backends; other kinds attach to nothing
                }

                var key = (ns, target.Name, target.SectionName ?? "");
                if (_byTarget.TryGetValue(key, out var winner))
                {
                    verdict = verdict with { ConflictedWith = $"{ns}/{winner.Policy.Metadata.Name}" };
                    continue;
                }

                _byTarget[key] = verdict;
            }

            verdicts[policy.Ref] = verdict;
        }

        // A policy that lost any target is conflicted everywhere, so the targets it won point at the final verdict too.
        foreach (var (key, verdict) in _byTarget.ToList())
        {
            _byTarget[key] = verdicts[verdict.Policy.Ref];
        }

        All = [.. verdicts.Values.OrderBy(v => v.Policy.Ref, ObjectRef.Comparer)];
    }

    /// <summary>Every policy, sorted by namespace and name.</summary>
    public IReadOnlyList<BackendTlsVerdict> All { get; }

    /// <summary>The policy that applies to a Service port: the one naming the port, else the one for the whole Service; conflicted ones never apply.</summary>
    public BackendTlsVerdict? For(string ns, string service, string? portName)
    {
        if (!string.IsNullOrEmpty(portName) && _byTarget.TryGetValue((ns, service, portName), out var specific) && specific.ConflictedWith is null)
        {
            return specific;
        }

        return _byTarget.TryGetValue((ns, service, ""), out var whole) && whole.ConflictedWith is null ? whole : null;
    }

    private static BackendTlsVerdict Resolve(BackendTlsPolicy policy, SnapshotIndex index, Dictionary<(string Ns, string Name), ConfigMap> configMaps)
    {
        var ns = policy.Metadata.Namespace ?? "";
        var validation = policy.Spec.Validation;
        var sans = validation.SubjectAltNames ?? [];
        BackendTls Settings(string? caPem) => new(
            $"{ns}/{policy.Metadata.Name}",
            validation.Hostname.ToLowerInvariant(),
            caPem,
            sans.Where(s => s.Type == "Hostname" && !string.IsNullOrEmpty(s.Hostname)).Select(s => s.Hostname!.ToLowerInvariant()).ToEquatableArray(),
            sans.Where(s => s.Type == "URI" && !string.IsNullOrEmpty(s.Uri)).Select(s => s.Uri!).ToEquatableArray());

        var refs = validation.CaCertificateRefs ?? [];
        if (refs.Count == 0)
        {
            // The schema allows only "System", and requires it when there are no references.
            return new(policy, Settings(null), null, null, null, NoValidCa: false);
        }

        string? reason = null;
        var errors = new List<string>();
        var bundle = new StringBuilder();
        foreach (var r in refs)
        {
            var what = $"caCertificateRef {(r.Group.Length == 0 ? r.Kind : r.Group + "/" + r.Kind)} {ns}/{r.Name}";
            byte[]? pem;
            if (r.Group.Length == 0 && r.Kind == "ConfigMap")
            {
                pem = configMaps.GetValueOrDefault((ns, r.Name))?.Get(CaCertificateKey);
            }
            else if (r.Group.Length == 0 && r.Kind == "Secret")
            {
                pem = index.Secret(ns, r.Name)?.Get(CaCertificateKey);
            }
            else
            {
                reason = PolicyReasons.InvalidKind;
                errors.Add($"{what}: only ConfigMap and Secret are supported");
                continue;
            }

            var error = pem is null ? $"does not exist or has no {CaCertificateKey}" : AppendCertificates(pem, bundle);
            if (error is not null)
            {
                reason ??= PolicyReasons.InvalidCACertificateRef;
                errors.Add($"{what}: {error}");
            }
        }

        // The spec: a connection using an invalid reference must fail, so any bad reference takes TLS away from the targets.
        return reason is null
            ? new(policy, Settings(bundle.ToString()), null, null, null, NoValidCa: false)
            : new(policy, null, null, reason, string.Join("; ", errors), NoValidCa: errors.Count == refs.Count);
    }

    /// <summary>Appends each PEM certificate of a ca.crt to the bundle; null when there was at least one, else why not.</summary>
    private static string? AppendCertificates(byte[] pem, StringBuilder bundle)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(Encoding.UTF8.GetString(pem));
        }
        catch (CryptographicException)
        {
            return $"{CaCertificateKey} holds a malformed PEM certificate";
        }

        if (certificates.Count == 0)
        {
            return $"{CaCertificateKey} holds no PEM certificate";
        }

        foreach (var certificate in certificates)
        {
            bundle.Append(certificate.ExportCertificatePem()).Append('\n');
            certificate.Dispose();
        }

        return null;
    }
}
