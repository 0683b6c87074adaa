namespace Portcullis.Benchmarks;

using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BenchmarkDotNet.Attributes;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation;

/// <summary>
/// One full translation of a snapshot with 10,000 HTTPRoutes (one hostname and one rule each) attached
/// to a Gateway with two HTTP listeners, backed by 1,000 Services with one EndpointSlice of two
/// endpoints each: what the control plane does on every change.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class TranslationBenchmarks
{
    private const int Routes = 10_000;
    private const int Services = 1_000;
    private const string Namespace = "bench";

    private ResourceSnapshot _snapshot = null!;
    private TranslatorOptions _options = null!;

    [GlobalSetup]
    public void Setup()
    {
        var objects = new List<KubernetesObject>
        {
            new GatewayClass
            {
                ApiVersion = GatewayApiGroup.V1,
                Kind = "GatewayClass",
                Metadata = new ObjectMeta { Name = "portcullis", Generation = 1 },
                Spec = new GatewayClassSpec { ControllerName = TranslatorOptions.DefaultControllerName },
            },
            new Gateway
            {
                ApiVersion = GatewayApiGroup.V1,
                Kind = "Gateway",
                Metadata = new ObjectMeta { Name = "gw", Namespace = Namespace, Generation = 1 },
                Spec = new GatewaySpec
                {
                    GatewayClassName = "portcullis",
                    Listeners =
                    [
                        new Listener { Name = "http", Port = 18080, Protocol = ListenerProtocols.Http },
                        new Listener { Name = "http-alt", Port = 18081, Protocol = ListenerProtocols.Http },
                    ],
                },
            },
        };

        for (var i = 0; i < Services; i++)
        {
            var name = Invariant($"svc-{i}");
            objects.Add(new Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = new ObjectMeta { Name = name, Namespace = Namespace },
                Spec = new ServiceSpec
                {
                    ClusterIP = "10.96.0.1",
                    Ports = [new ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = IntOrString.FromInt(8080) }],
                },
            });
            objects.Add(new EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1",
                Kind = "EndpointSlice",
                Metadata = new ObjectMeta
                {
                    Name = name + "-abcde",
                    Namespace = Namespace,
                    Labels = new Dictionary<string, string> { [EndpointSlice.ServiceNameLabel] = name },
                },
                Endpoints =
                [
                    Ready(Invariant($"127.0.{i / 250}.{(i % 250) + 1}")),
                    Ready(Invariant($"127.1.{i / 250}.{(i % 250) + 1}")),
                ],
                Ports = [new EndpointSlicePort { Name = "http", Port = 8080, Protocol = "TCP" }],
            });
        }

        for (var i = 0; i < Routes; i++)
        {
            objects.Add(new HttpRoute
            {
                ApiVersion = GatewayApiGroup.V1,
                Kind = HttpRoute.KindName,
                Metadata = new ObjectMeta { Name = Invariant($"route-{i}"), Namespace = Namespace, Generation = 1 },
                Spec = new HttpRouteSpec
                {
                    ParentRefs = [new ParentReference { Name = "gw" }],
                    Hostnames = [Invariant($"www.h{i}.bench")],
                    Rules =
                    [
                        new HttpRouteRule
                        {
                            Matches = [new HttpRouteMatch { Path = new HttpPathMatch { Type = PathMatchTypes.PathPrefix, Value = "/" } }],
                            BackendRefs = [new HttpBackendRef { Name = Invariant($"svc-{i % Services}"), Port = 80 }],
                        },
                    ],
                },
            });
        }

        _snapshot = ResourceSnapshot.Create(objects);
        _options = new TranslatorOptions { DefaultBindAddress = IPAddress.Loopback };

        // A setup mistake (a route not attached, a backend unresolved) would make the number meaningless.
        var result = Translator.Translate(_snapshot, _options);
        var routes = result.Config.Listeners.Sum(l => l.Routes.Count);
        if (routes != 2 * Routes || result.Config.Listeners.Any(l => l.Routes.Any(r => r.Action.Backends[0].Endpoints.Count != 2)))
        {
            throw new InvalidOperationException($"The synthetic snapshot translated to {routes} routes, expected {2 * Routes} each with 2 endpoints.");
        }
    }

    [Benchmark]
    public TranslationResult Translate10000Routes() => Translator.Translate(_snapshot, _options);

    private static EndpointSliceEndpoint Ready(string address) =>
        new() { Addresses = [address], Conditions = new EndpointConditions { Ready = true } };

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Translation of the set bench/scale.sh serves (bench/gen.py): 157 Gateways of 64 HTTPS listeners, each listener
/// with its own certificate Secret, 10,000 HTTPRoutes of one hostname each, one backend Service. Like gen.py, the
/// certificates are EC P-256 with one key shared by every CA and one by every leaf (only the keys are shared).
/// <see cref="Start"/> is the first translation a process makes (no cache: every certificate validated);
/// <see cref="RouteChanged"/> translates after one route changed through the host's <see cref="TranslationCache"/>,
/// as the host does on a file change (the two snapshots share every other object by reference, as the file
/// provider's do).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ScaleTranslationBenchmarks
{
    private const int Hosts = 10_000;
    private const int ListenersPerGateway = 64;

    private ResourceSnapshot _snapshot = null!;
    private ResourceSnapshot _changed = null!;
    private TranslatorOptions _options = null!;
    private readonly TranslationCache _cache = new();
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        (_snapshot, _changed) = ScaleSet.Create(Hosts, ListenersPerGateway);
        _options = new TranslatorOptions { DefaultBindAddress = IPAddress.Loopback };

        var result = Translator.Translate(_snapshot, _options);
        if (result.Config.Listeners.Count != Hosts || result.Config.Listeners.Any(l => l.Routes.Count != 1 || l.Certificates.Count != 1))
        {
            throw new InvalidOperationException($"The scale set translated to {result.Config.Listeners.Count} listeners, expected {Hosts} each with a route and a certificate.");
        }
    }

    [Benchmark]
    public TranslationResult Start() => Translator.Translate(_snapshot, _options);

    [Benchmark]
    public TranslationResult RouteChanged() => Translator.Translate(Next(), _options, _cache);

    /// <summary>The two snapshots in turn, so every call sees one route differ from the call before.</summary>
    private ResourceSnapshot Next() => (_flip = !_flip) ? _changed : _snapshot;
}

/// <summary>Builds the 10,000-host set in memory, and a copy with one route changed (every other object the same by reference).</summary>
internal static class ScaleSet
{
    public const string BackendPort = "18080";

    public static (ResourceSnapshot Snapshot, ResourceSnapshot Changed) Create(int hosts, int listenersPerGateway)
    {
        var objects = Objects(hosts, listenersPerGateway);
        var snapshot = ResourceSnapshot.Create(objects);

        // The change bench/scale.sh makes: a route for a host that exists, appended to the routes.
        objects.Add(Route("extra", "gw0", Host(1)));
        return (snapshot, ResourceSnapshot.Create(objects));
    }

    /// <summary>Every object of the set: the GatewayClass, the backend, the Gateways, and a Secret and a route per host.</summary>
    public static List<KubernetesObject> Objects(int hosts, int listenersPerGateway)
    {
        var objects = new List<KubernetesObject>
        {
            new GatewayClass
            {
                ApiVersion = GatewayApiGroup.V1, Kind = "GatewayClass",
                Metadata = Meta("portcullis", null),
                Spec = new GatewayClassSpec { ControllerName = TranslatorOptions.DefaultControllerName },
            },
            new Service
            {
                ApiVersion = "v1", Kind = "Service",
                Metadata = Meta("backend", "default"),
                Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 18080, TargetPort = IntOrString.FromInt(18080) }] },
            },
            new EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice",
                Metadata = Meta("backend-1", "default") with { Labels = new Dictionary<string, string> { [EndpointSlice.ServiceNameLabel] = "backend" } },
                Endpoints = [new EndpointSliceEndpoint { Addresses = ["127.0.0.1"], Conditions = new EndpointConditions { Ready = true } }],
                Ports = [new EndpointSlicePort { Name = "http", Port = 18080, Protocol = "TCP" }],
            },
        };

        for (var g = 0; g * listenersPerGateway < hosts; g++)
        {
            objects.Add(Gateway(Invariant($"gw{g}"), g * listenersPerGateway, Math.Min(hosts, (g + 1) * listenersPerGateway)));
        }

        for (var i = 0; i < hosts; i++)
        {
            objects.Add(Secret(i, i + 1));
            objects.Add(Route(Invariant($"r{i}"), Invariant($"gw{i / listenersPerGateway}"), Host(i)));
        }

        return objects;
    }

    /// <summary>A Gateway with one HTTPS listener per host in [first, end), each with the host's Secret.</summary>
    public static Gateway Gateway(string name, int first, int end)
    {
        var listeners = new List<Listener>();
        for (var i = first; i < end; i++)
        {
            listeners.Add(new Listener
            {
                Name = Invariant($"d{i}"), Protocol = ListenerProtocols.Https, Port = 18443, Hostname = Host(i),
                Tls = new GatewayTlsConfig { Mode = "Terminate", CertificateRefs = [new SecretObjectReference { Name = Invariant($"d{i}-cert") }] },
            });
        }

        return new Gateway
        {
            ApiVersion = GatewayApiGroup.V1, Kind = "Gateway",
            Metadata = Meta(name, "default"),
            Spec = new GatewaySpec { GatewayClassName = "portcullis", Listeners = listeners },
        };
    }

    /// <summary>The host's certificate Secret, a leaf with this serial (another serial: the Secret rotated).</summary>
    public static Secret Secret(int host, int serial)
    {
        var caName = new X500DistinguishedName(Invariant($"O=d{host} Inc., CN=d{host}.bench"));
        var leafRequest = new CertificateRequest(new X500DistinguishedName("CN=" + Host(host)), LeafKey, HashAlgorithmName.SHA256);
        using var leaf = leafRequest.Create(caName, X509SignatureGenerator.CreateForECDsa(CaKey), NotBefore, NotBefore.AddYears(1), BitConverter.GetBytes(serial));
        return new Secret
        {
            ApiVersion = "v1", Kind = "Secret", Type = Model.Core.Secret.TlsType,
            Metadata = Meta(Invariant($"d{host}-cert"), "default"),
            Data = new Dictionary<string, byte[]>
            {
                [Model.Core.Secret.TlsCertKey] = Encoding.ASCII.GetBytes(leaf.ExportCertificatePem()),
                [Model.Core.Secret.TlsPrivateKeyKey] = LeafKeyPem,
            },
        };
    }

    // One key for every CA and one for every leaf, as gen.py does; kept for the process, so rotations can sign new leaves.
    private static readonly ECDsa CaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa LeafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly byte[] LeafKeyPem = Encoding.ASCII.GetBytes(LeafKey.ExportPkcs8PrivateKeyPem());
    private static readonly DateTimeOffset NotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static HttpRoute Route(string name, string gateway, string hostname) => new()
    {
        ApiVersion = GatewayApiGroup.V1, Kind = HttpRoute.KindName,
        Metadata = Meta(name, "default"),
        Spec = new HttpRouteSpec
        {
            ParentRefs = [new ParentReference { Name = gateway }],
            Hostnames = [hostname],
            Rules =
            [
                new HttpRouteRule
                {
                    Matches = [new HttpRouteMatch { Path = new HttpPathMatch { Type = PathMatchTypes.PathPrefix, Value = "/" } }],
                    BackendRefs = [new HttpBackendRef { Name = "backend", Port = 18080 }],
                },
            ],
        },
    };

    private static ObjectMeta Meta(string name, string? ns) => new()
    {
        Name = name, Namespace = ns, Generation = 1, Uid = Guid.NewGuid().ToString(),
        CreationTimestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    public static string Host(int i) => Invariant($"www.d{i}.bench");

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
