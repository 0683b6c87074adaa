namespace Portcullis.Benchmarks;

using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.DataPlane.Forwarding;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;
using Endpoint = Portcullis.Ir.Endpoint;

/// <summary>
/// The per-request lookup (port, listener by Host, virtual host, first matching rule) on one HTTP
/// listener holding 10,000 routes: 8,000 exact hosts "www.hN.bench", 1,000 wildcard hosts
/// "*.wN.bench", and 1,000 path-prefix rules on the one host "api.bench" ("/svc/N", scanned in order).
/// Also the compile step that turns that IR into routing tables, as an apply does.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RoutingBenchmarks
{
    private const int ExactHosts = 8_000;
    private const int WildcardHosts = 1_000;
    private const int RulesOnOneHost = 1_000;

    private GatewayConfig _config = null!;
    private RoutingTables _tables = null!;
    private HostTable<VirtualHost> _hosts = null!;
    private HttpContext _exactHost = null!;
    private HttpContext _wildcardHost = null!;
    private HttpContext _firstRule = null!;
    private HttpContext _lastRule = null!;
    private HttpContext _noRoute = null!;

    [GlobalSetup]
    public void Setup()
    {
        var action = new RouteAction(new EquatableArray<WeightedBackend>(
        [
            new WeightedBackend("bench/echo:80", 1, BackendProtocol.Http1, new EquatableArray<Endpoint>([new Endpoint("127.0.0.1", 18080)])),
        ]));
        var routes = new List<RouteConfig>(ExactHosts + WildcardHosts + RulesOnOneHost);
        for (var i = 0; i < ExactHosts; i++)
        {
            routes.Add(Route(Invariant($"www.h{i}.bench"), "/", action));
        }

        for (var i = 0; i < WildcardHosts; i++)
        {
            routes.Add(Route(Invariant($"*.w{i}.bench"), "/", action));
        }

        for (var i = 0; i < RulesOnOneHost; i++)
        {
            routes.Add(Route("api.bench", Invariant($"/svc/{i}"), action));
        }

        var listener = new ListenerConfig("bench/gw/http", "127.0.0.1", 18080, ListenerProtocol.Http, Hostname: null,
            EquatableArray<TlsCertificate>.Empty, new EquatableArray<RouteConfig>(routes));
        _config = new GatewayConfig(new EquatableArray<ListenerConfig>([listener]));
        _tables = BuildTables();

        _ = PortKey.TryParse("127.0.0.1", 18080, out var port);
        _hosts = _tables.Ports[port].ListenersByName["bench/gw/http"].Hosts;
        _exactHost = Request(port, "www.h4321.bench", "/index.html");
        _wildcardHost = Request(port, "a.b.w777.bench", "/index.html");
        _firstRule = Request(port, "api.bench", "/svc/0/items");
        _lastRule = Request(port, "api.bench", Invariant($"/svc/{RulesOnOneHost - 1}/items"));
        _noRoute = Request(port, "api.bench", "/nothing/here");
    }

    [Benchmark]
    public object? ExactHost() => RequestHandler.FindRoute(_tables, _exactHost);

    /// <summary>The host table alone, without the feature and port lookups around it: what ExactHost adds on top.</summary>
    [Benchmark]
    public object? ExactHost_HostTableOnly() => _hosts.Match("www.h4321.bench");

    [Benchmark]
    public object? WildcardHost() => RequestHandler.FindRoute(_tables, _wildcardHost);

    [Benchmark]
    public object? PathAmong1000Rules_FirstMatches() => RequestHandler.FindRoute(_tables, _firstRule);

    [Benchmark]
    public object? PathAmong1000Rules_LastMatches() => RequestHandler.FindRoute(_tables, _lastRule);

    [Benchmark]
    public object? PathAmong1000Rules_NoneMatches() => RequestHandler.FindRoute(_tables, _noRoute);

    /// <summary>Compiling 10,000 routes into tables: part of every apply, so of convergence.</summary>
    [Benchmark]
    public object BuildTables10000Routes() => BuildTables();

    private RoutingTables BuildTables()
    {
        var store = new CertificateStore();
        store.BeginApply();
        var tables = RoutingTableBuilder.Build(_config, store, NullLogger.Instance);
        store.EndApply();
        return tables;
    }

    private static RouteConfig Route(string hostname, string prefix, RouteAction action) => new(
        Invariant($"bench/r-{hostname}{prefix}"),
        hostname,
        new PathMatch(PathMatchType.PathPrefix, prefix),
        EquatableArray<HeaderMatch>.Empty,
        EquatableArray<QueryParamMatch>.Empty,
        Method: null,
        action);

    /// <summary>A request as Kestrel hands it over on a cleartext connection (no SNI); reused by every call.</summary>
    private static DefaultHttpContext Request(PortKey port, string host, string path)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new GatewayConnectionFeature(port, isTls: false));
        context.Request.Method = HttpMethods.Get;
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        return context;
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
