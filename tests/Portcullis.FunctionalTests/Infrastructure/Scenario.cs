namespace Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// A temporary workspace: certificates, a config directory the gateway watches, and the processes
/// (echo backend, gateway) serving it. Files are written the way editors and kubectl redirects do.
/// </summary>
internal sealed class Scenario : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private Scenario(string root)
    {
        Root = root;
        Config = Path.Combine(root, "config");
        Certs = Path.Combine(root, "certs");
        Directory.CreateDirectory(Config);
        Directory.CreateDirectory(Certs);
    }

    public string Root { get; }

    public string Config { get; }

    public string Certs { get; }

    public int HttpPort { get; } = Network.FreePort();

    public int HttpsPort { get; } = Network.FreePort();

    public string AddressPool { get; } = Network.NewAddressPool();

    public GatewayProcess? Gateway { get; private set; }

    public static Scenario Create() =>
        new(Directory.CreateTempSubdirectory("portcullis-ft-").FullName);

    public void Write(string name, string content) => File.WriteAllText(Path.Combine(Config, name), content);

    /// <summary>Saves like vim or an IDE: write a temporary file, then rename it over the original.</summary>
    public void WriteByRename(string name, string content)
    {
        var temp = Path.Combine(Config, "." + name + ".tmp");
        File.WriteAllText(temp, content);
        File.Move(temp, Path.Combine(Config, name), overwrite: true);
    }

    /// <summary>
    /// The workshop after step 6.4: www.example.com on the HTTP and HTTPS listeners, HTTPS with example-cert, routed to
    /// the echo backend on <paramref name="echoPort"/>.
    /// </summary>
    public void WriteExampleSite(int echoPort, WorkshopCertificate example)
    {
        Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        Write("01-backend-sni.yaml", Manifests.BackendSni(echoPort));
        Write("02-sni-gateway.yaml", Manifests.SniGateway(HttpPort, HttpsPort, "example-cert"));
        Write("03-backend-sni-route.yaml", Manifests.BackendSniRoute("www.example.com"));
        Write("04-example-cert.yaml", example.SecretYaml("example-cert"));
    }

    public void Delete(string name) => File.Delete(Path.Combine(Config, name));

    public async Task<EchoBackend> StartEchoAsync(string podName)
    {
        var echo = await EchoBackend.StartAsync(podName);
        _owned.Add(echo);
        return echo;
    }

    /// <summary>Stops and disposes a process the test started itself, with the scenario.</summary>
    public void Own(IAsyncDisposable process) => _owned.Add(process);

    /// <param name="options">More `portcullis run` options (e.g. a log level).</param>
    public async Task<GatewayProcess> StartGatewayAsync(params string[] options)
    {
        Gateway = await GatewayProcess.StartAsync(Config, AddressPool, options);
        _owned.Add(Gateway);
        return Gateway;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
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
