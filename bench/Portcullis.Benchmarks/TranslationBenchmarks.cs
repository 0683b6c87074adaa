namespace Portcullis.Benchmarks;

using System.Globalization;
using System.Net;
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
