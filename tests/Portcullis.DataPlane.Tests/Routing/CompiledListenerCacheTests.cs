namespace Portcullis.DataPlane.Tests.Routing;

using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.DataPlane.Routing;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

public class CompiledListenerCacheTests
{
    private static readonly WeightedBackend Backend =
        new("default/svc:80", 1, BackendProtocol.Http1, new[] { new Ir.Endpoint("127.0.0.1", 8080) });

    private readonly CertificateStore _certificates = new();
    private readonly CompiledListenerCache _cache = new();

    [Fact]
    public void Build_EqualListenerConfig_ReusesTheCompiledListener()
    {
        var first = Apply(Configs.Of(Configs.Http("default/gw/a", 8080, "a.example.com", Configs.Route("a.example.com", "/", Configs.To(Backend)))));
        var second = Apply(Configs.Of(Configs.Http("default/gw/a", 8080, "a.example.com", Configs.Route("a.example.com", "/", Configs.To(Backend)))));

        Assert.Same(Listener(first, "default/gw/a"), Listener(second, "default/gw/a"));
        Assert.Equal((0, 1), (_cache.Compiled, _cache.Reused));
    }

    [Fact]
    public void Build_OneListenerChanged_RecompilesOnlyThatListener()
    {
        var before = Apply(Configs.Of(
            Configs.Http("default/gw/a", 8080, "a.example.com", Configs.Route("a.example.com", "/", Configs.To(Backend))),
            Configs.Http("default/gw/b", 8080, "b.example.com", Configs.Route("b.example.com", "/", Configs.To(Backend)))));
        var after = Apply(Configs.Of(
            Configs.Http("default/gw/a", 8080, "a.example.com", Configs.Route("a.example.com", "/", Configs.To(Backend))),
            Configs.Http("default/gw/b", 8080, "b.example.com", Configs.Route("b.example.com", "/v2", Configs.To(Backend)))));

        Assert.Same(Listener(before, "default/gw/a"), Listener(after, "default/gw/a"));
        Assert.NotSame(Listener(before, "default/gw/b"), Listener(after, "default/gw/b"));
        Assert.Equal((1, 1), (_cache.Compiled, _cache.Reused));
    }

    [Fact]
    public void Build_ListenerMissingFromOneApply_IsCompiledAgainWhenItReturns()
    {
        var listener = Configs.Http("default/gw/a", 8080, "a.example.com", Configs.Route("a.example.com", "/", Configs.To(Backend)));
        var first = Apply(Configs.Of(listener));
        Apply(Configs.Of(Configs.Http("default/gw/b", 8081, null)));
        var third = Apply(Configs.Of(listener));

        Assert.NotSame(Listener(first, "default/gw/a"), Listener(third, "default/gw/a"));
    }

    [Fact]
    public void Build_ReusedHttpsListener_KeepsItsCertificateInTheStore()
    {
        var pem = TestCertificates.CommonNameOnly("default/a", "a.example.com");
        var https = Configs.Https("default/gw/a", 8443, "a.example.com", [pem], Configs.Route("a.example.com", "/", Configs.To(Backend)));
        var first = Apply(Configs.Of(https));
        Apply(Configs.Of(https));

        // A listener compiled now with the same PEM gets the certificate the reused listener holds.
        var other = Apply(Configs.Of(https, Configs.Https("default/gw/b", 8443, "b.example.com", [pem with { Name = "default/b" }])));

        var kept = Assert.Single(Listener(first, "default/gw/a").Certificates!.All);
        Assert.Same(kept, Assert.Single(Listener(other, "default/gw/b").Certificates!.All));
    }

    [Fact]
    public void Build_ReusedListenerWithClientValidation_KeepsItsPolicyForListenersCompiledLater()
    {
        var pem = TestCertificates.CommonNameOnly("default/a", "a.example.com");
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var ca = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ca.example.com", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var validation = new ClientCertificateValidation(ClientCertificateMode.AllowValidOnly, null, new[] { new TrustedCa("default/client-ca", ca.Subject, "", ca.ExportCertificatePem()) });
        var https = Configs.Https("default/gw/a", 8443, "a.example.com", [pem], Configs.Route("a.example.com", "/", Configs.To(Backend))) with { ClientValidation = validation };
        var first = Apply(Configs.Of(https));
        Apply(Configs.Of(https));

        // Compiled now with an equal validation: it gets the very policy object the reused listener holds.
        var other = Apply(Configs.Of(https, Configs.Https("default/gw/b", 8443, "b.example.com", [pem with { Name = "default/b" }]) with { ClientValidation = validation }));

        Assert.Same(Listener(first, "default/gw/a").ClientCertificates, Listener(other, "default/gw/b").ClientCertificates);
    }

    private RoutingTables Apply(GatewayConfig config)
    {
        _certificates.BeginApply();
        _cache.BeginApply(config);
        var tables = RoutingTableBuilder.Build(config, _certificates, NullLogger.Instance, _cache);
        _cache.EndApply();
        _certificates.EndApply();
        return tables;
    }

    private static CompiledListener Listener(RoutingTables tables, string name)
    {
        foreach (var port in tables.Ports.Values)
        {
            if (port.ListenersByName.TryGetValue(name, out var listener))
            {
                return listener;
            }
        }

        throw new InvalidOperationException($"no listener {name}");
    }
}
