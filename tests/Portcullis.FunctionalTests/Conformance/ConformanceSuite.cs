namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Upstream's ConformanceTestSuite set-up, done once: the echo backends (one `portcullis echo` per Service, with
/// POD_NAME starting with the Service name as upstream's pod names do), the certificates of the Secrets upstream
/// generates, our base manifests, and one `portcullis run` watching the config directory. Each test applies its
/// manifests to that directory and deletes them afterwards, as upstream applies and cleans up in one cluster:
/// a reload takes well under a second where starting a gateway takes seconds on a loaded CI machine.
/// </summary>
public sealed class ConformanceSuite : IAsyncLifetime
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

    /// <summary>gRPC Service name -> namespace: upstream's echo-basic pods with GRPC_ECHO_SERVER set.</summary>
    internal static readonly IReadOnlyDictionary<string, string> GrpcServices = new Dictionary<string, string>
    {
        ["grpc-infra-backend-v1"] = InfraNamespace,
        ["grpc-infra-backend-v2"] = InfraNamespace,
        ["grpc-infra-backend-v3"] = InfraNamespace,
    };

    private readonly List<EchoBackend> _echoes = [];
    private readonly List<GrpcEchoBackend> _grpcEchoes = [];
    private readonly Dictionary<string, EchoBackend> _echoByService = [];

    internal string Root { get; } = Directory.CreateTempSubdirectory("portcullis-conformance-").FullName;

    internal string Config => Path.Combine(Root, "config");

    /// <summary>The port every HTTP listener uses (upstream's 80); each Gateway has its own address.</summary>
    internal int HttpPort { get; } = Network.FreePort();

    /// <summary>The port every HTTPS/TLS listener uses (upstream's 443).</summary>
    internal int HttpsPort { get; } = Network.FreePort();

    /// <summary>Upstream's port 8080 listeners (a second HTTP port).</summary>
    internal int HttpPort8080 { get; } = Network.FreePort();

    /// <summary>Upstream's port 8090 listeners (a third HTTP port).</summary>
    internal int HttpPort8090 { get; } = Network.FreePort();

    /// <summary>Service name -> the echo backend's port on 127.0.0.1.</summary>
    internal Dictionary<string, int> Ports { get; } = [];

    /// <summary>Service name -> the echo backend's h2c (HTTP/2 prior knowledge) port on 127.0.0.1.</summary>
    internal Dictionary<string, int> H2cPorts { get; } = [];

    /// <summary>gRPC Service name -> the gRPC echo backend's (h2c) port on 127.0.0.1.</summary>
    internal Dictionary<string, int> GrpcPorts { get; } = [];

    /// <summary>Secret name -> (certificate PEM, key PEM) of the Secrets upstream's suite generates.</summary>
    internal Dictionary<string, (string CertPem, string KeyPem)> Certificates { get; } = [];

    /// <summary>PEM file of tls-validity-checks-certificate (self-signed), the root clients trust for HTTPS tests.</summary>
    internal string ValidityChecksCaFile => Path.Combine(Root, "tls-validity-checks-certificate.crt");

    internal GatewayProcess Process { get; private set; } = null!;

    internal ConformanceRequests Requests { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Config);

        // Upstream signs for "*" and "*.org"; OpenSSL's name check (used by .NET on Linux) rejects wildcards
        // directly under a top-level domain, so name the hosts the tests use.
        Certificates["tls-validity-checks-certificate"] = SelfSigned("*.org", "*.wildcard.org", "example.org", "second-example.org", "unknown-example.org");
        Certificates["certificate"] = SelfSigned("*.org");
        await File.WriteAllTextAsync(ValidityChecksCaFile, Certificates["tls-validity-checks-certificate"].CertPem);

        var started = await Task.WhenAll(Services.Select(async kv =>
            (kv.Key, Echo: await EchoBackend.StartAsync($"{kv.Key}-7f6d9c5b4-q2z{kv.Key.Length:x}", kv.Value, logRequests: true))));
        foreach (var (service, echo) in started)
        {
            _echoes.Add(echo);
            _echoByService[service] = echo;
            Ports[service] = echo.Port;
            H2cPorts[service] = echo.H2cPort;
        }

        foreach (var (service, ns) in GrpcServices)
        {
            var grpc = await GrpcEchoBackend.StartAsync($"{service}-5c8d7f9b6-k4t{service.Length:x}", ns);
            _grpcEchoes.Add(grpc);
            GrpcPorts[service] = grpc.Port;
        }

        WriteManifest("00-base.yaml", Testdata("base.yaml"));
        Process = await GatewayProcess.StartAsync(Config, Network.NewAddressPool());
        Requests = new ConformanceRequests(this);
    }

    /// <summary>The request log of a Service's echo backend (upstream reads the pod's logs to see mirrored requests).</summary>
    internal string EchoLog(string service) => _echoByService[service].Output;

    internal static string Testdata(string file) =>
        File.ReadAllText(Path.Combine(Repo.Root, "tests", "Portcullis.FunctionalTests", "Conformance", "testdata", file));

    /// <summary>Writes a manifest into the watched directory by rename (never half-written), placeholders filled.</summary>
    internal void WriteManifest(string fileName, string content)
    {
        var temp = Path.Combine(Config, "." + fileName + ".tmp");
        File.WriteAllText(temp, Fill(content));
        File.Move(temp, Path.Combine(Config, fileName), overwrite: true);
    }

    internal void DeleteManifest(string fileName) => File.Delete(Path.Combine(Config, fileName));

    private string Fill(string yaml)
    {
        var sb = new StringBuilder(yaml)
            .Replace("{HTTP_PORT}", HttpPort.ToString(CultureInfo.InvariantCulture))
            .Replace("{HTTPS_PORT}", HttpsPort.ToString(CultureInfo.InvariantCulture))
            .Replace("{HTTP_PORT_8080}", HttpPort8080.ToString(CultureInfo.InvariantCulture))
            .Replace("{HTTP_PORT_8090}", HttpPort8090.ToString(CultureInfo.InvariantCulture));
        foreach (var (service, port) in Ports)
        {
            sb.Replace($"{{PORT:{service}}}", port.ToString(CultureInfo.InvariantCulture))
              .Replace($"{{H2C_PORT:{service}}}", H2cPorts[service].ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (service, port) in GrpcPorts)
        {
            sb.Replace($"{{GRPC_PORT:{service}}}", port.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (secret, (cert, key)) in Certificates)
        {
            sb.Replace($"{{CERT:{secret}}}", Convert.ToBase64String(Encoding.ASCII.GetBytes(cert)))
              .Replace($"{{KEY:{secret}}}", Convert.ToBase64String(Encoding.ASCII.GetBytes(key)));
        }

        return sb.ToString();
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
        Requests?.Dispose();
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        foreach (var e in _echoes)
        {
            await e.DisposeAsync();
        }

        foreach (var e in _grpcEchoes)
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

/// <summary>All conformance tests share one suite and run one after another, as upstream's do.</summary>
[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceSuite>
{
    public const string Name = "Conformance";
}
