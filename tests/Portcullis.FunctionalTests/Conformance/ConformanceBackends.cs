namespace Portcullis.FunctionalTests.Conformance;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// What upstream's conformance base deploys once for the whole suite: the echo backends (one `portcullis echo`
/// per Service, with POD_NAME starting with the Service name as upstream's pod names do) and the certificates
/// of its generated Secrets. Every conformance test starts its own gateway against these.
/// </summary>
public sealed class ConformanceBackends : IAsyncLifetime
{
    public const string InfraNamespace = "gateway-conformance-infra";
    public const string AppBackendNamespace = "gateway-conformance-app-backend";
    public const string WebBackendNamespace = "gateway-conformance-web-backend";

    /// <summary>Service name -> namespace, as in upstream's base manifests.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Services = new Dictionary<string, string>
    {
        ["infra-backend-v1"] = InfraNamespace,
        ["infra-backend-v2"] = InfraNamespace,
        ["infra-backend-v3"] = InfraNamespace,
        ["app-backend-v1"] = AppBackendNamespace,
        ["app-backend-v2"] = AppBackendNamespace,
        ["web-backend"] = WebBackendNamespace,
    };

    private readonly List<EchoBackend> _echoes = [];

    internal string Root { get; } = Directory.CreateTempSubdirectory("portcullis-conformance-").FullName;

    /// <summary>Service name -> the echo backend's port on 127.0.0.1.</summary>
    internal Dictionary<string, int> Ports { get; } = [];

    /// <summary>Secret name -> (certificate PEM, key PEM) of the Secrets upstream's suite generates.</summary>
    internal Dictionary<string, (string CertPem, string KeyPem)> Certificates { get; } = [];

    /// <summary>PEM file of tls-validity-checks-certificate (self-signed), the root clients trust for HTTPS tests.</summary>
    internal string ValidityChecksCaFile => Path.Combine(Root, "tls-validity-checks-certificate.crt");

    public async Task InitializeAsync()
    {
        // Upstream signs for "*" and "*.org"; .NET clients reject a bare "*" SAN, so name the hosts the tests use.
        Certificates["tls-validity-checks-certificate"] = SelfSigned("*.org", "*.wildcard.org", "example.org", "second-example.org");
        Certificates["certificate"] = SelfSigned("*.org");
        await File.WriteAllTextAsync(ValidityChecksCaFile, Certificates["tls-validity-checks-certificate"].CertPem);

        var started = await Task.WhenAll(Services.Select(async kv =>
            (kv.Key, Echo: await EchoBackend.StartAsync($"{kv.Key}-7f6d9c5b4-{kv.Key.Length:x}q2z", kv.Value))));
        foreach (var (service, echo) in started)
        {
            _echoes.Add(echo);
            Ports[service] = echo.Port;
        }
    }

    private static (string CertPem, string KeyPem) SelfSigned(params string[] dnsNames)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=gateway-conformance", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var n in dnsNames)
        {
            san.AddDnsName(n);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public async Task DisposeAsync()
    {
        foreach (var e in _echoes)
        {
            await e.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory left behind is harmless
        }
    }
}

/// <summary>All conformance tests share the echo backends; each test runs its own gateway.</summary>
[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceBackends>
{
    public const string Name = "Conformance";
}
