namespace Portcullis.Translation.Tests;

using System.Runtime.CompilerServices;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;
using Portcullis.Translation.Output;

/// <summary>
/// The cache's contract over a long run: one <see cref="TranslationCache"/> follows a sequence of changes of every kind
/// (each a new object, every other object the same one, as the providers hand them over), and every result equals a
/// translation of the same snapshot without a cache, config and full status report. Several Gateways share the bind
/// address, so what one Gateway reuses must still see a conflict with another, a route moving between them, and the like.
/// </summary>
public class TranslationCacheSequenceTests
{
    private static readonly string TestData = Path.Combine(SourceDirectory(), "testdata");

    /// <summary>Each change, applied to the objects the previous one left; named for the failure message.</summary>
    public static TheoryData<string> Sequences => new() { "forward", "backward" };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void Translate_EveryKindOfChangeInTurnThroughOneCache_EqualsTranslationWithout(string order)
    {
        var changes = Changes();
        if (order == "backward")
        {
            changes.Reverse();
        }

        var objects = Base();
        var cache = new TranslationCache();
        AssertEqualWithout(objects, cache, "base");
        foreach (var (name, change) in changes)
        {
            objects = change(objects);
            AssertEqualWithout(objects, cache, name);

            // The same snapshot again: everything reused, the result still equal.
            AssertEqualWithout(objects, cache, name + ", again");
        }
    }

    [Fact]
    public void Translate_RouteChangedOnOneGateway_OtherGatewaysAndTheirRouteStatusesAreReused()
    {
        var objects = Base();
        var cache = new TranslationCache();
        var before = Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        var after = Translator.Translate(ResourceSnapshot.Create(ChangeRoute(objects, "a2", r => r with
        {
            Spec = r.Spec with { Rules = [r.Spec.Rules[0] with { Matches = [new HttpRouteMatch { Path = new HttpPathMatch { Type = PathMatchTypes.PathPrefix, Value = "/y" } }] }] },
        })), new TranslatorOptions(), cache);

        Assert.Equal(2, cache.ReusedGateways); // gw-b and gw-c; gw-a is attached again
        Assert.Same(Route(before, "app", "b1"), Route(after, "app", "b1"));
        Assert.Same(Route(before, "other", "c1"), Route(after, "other", "c1"));
        Assert.Same(Gateway(before, "other", "gw-c"), Gateway(after, "other", "gw-c"));
        Assert.NotSame(Gateway(before, "default", "gw-a"), Gateway(after, "default", "gw-a")); // its http listener counts a2 again
    }

    [Fact]
    public void Translate_NamespaceMadeAfreshWithTheSameLabels_GatewaysStillReused()
    {
        var objects = Base();
        var cache = new TranslationCache();
        Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        Translator.Translate(ResourceSnapshot.Create(Change<Namespace>(objects, "app", n => n with { })), new TranslatorOptions(), cache);

        Assert.Equal(3, cache.ReusedGateways); // as a file provider's implicit Namespaces are, on every read
    }

    [Fact]
    public void Translate_ConflictWithAnotherGatewaysListener_ReusesNeitherGateway()
    {
        var objects = Base();
        var cache = new TranslationCache();
        Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        var result = Translator.Translate(ResourceSnapshot.Create(AddListener(objects, "gw-c", "a-too", "a.example.com")), new TranslatorOptions(), cache);

        Assert.Equal(1, cache.ReusedGateways); // gw-b only: gw-a's https listener is now conflicted, gw-c changed
        Assert.Contains("HostnameConflict", TranslationDump.ToYaml(result), StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_WithAnL4Route_ReusesNoGatewayAttachment()
    {
        var objects = Base();
        objects.Add(TcpRoute());
        var cache = new TranslationCache();
        Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        Assert.Equal(0, cache.ReusedGateways);
    }

    [Fact]
    public void Translate_SnapshotRoutesOutOfOrder_StatusesInObjectOrderWithAndWithoutCache()
    {
        var sorted = ResourceSnapshot.Create(Base());
        var reversed = sorted with { HttpRoutes = [.. sorted.HttpRoutes.Reverse()] };

        var plain = Translator.Translate(reversed, new TranslatorOptions());
        var cached = Translator.Translate(reversed, new TranslatorOptions(), new TranslationCache());

        var expected = sorted.HttpRoutes.Select(r => r.Ref).ToList();
        Assert.Equal(expected, plain.Status.HttpRoutes.Keys);
        Assert.Equal(expected, cached.Status.HttpRoutes.Keys);
        Assert.Equal(TranslationDump.ToYaml(Translator.Translate(sorted, new TranslatorOptions())), TranslationDump.ToYaml(cached));
    }

    private static List<(string Name, Func<List<KubernetesObject>, List<KubernetesObject>> Change)> Changes() =>
    [
        ("route added", o => [.. o, NewRoute("a3", "gw-a", "a.example.com")]),
        ("route changed", o => ChangeRoute(o, "a1", r => r with { Spec = r.Spec with { Hostnames = ["a.example.com"] } })),
        ("route removed", o => Without(o, "HTTPRoute", "default", "a3")),
        ("Secret rotated", o => ChangeSecret(o, "example-cert", Secret("sample-cert").Data)),
        ("Secret removed", o => Without(o, "Secret", "default", "sample-cert")),
        ("Secret back", o => [.. o, Secret("sample-cert")]),
        ("Gateway listener added", o => AddListener(o, "gw-b", "https-2", "b2.example.com")),
        ("Gateway listener removed", o => Change<Gateway>(o, "gw-b", g => g with { Spec = g.Spec with { Listeners = [.. g.Spec.Listeners.Where(l => l.Name != "https-2")] } })),
        ("listener hostname changed", o => ChangeListener(o, "gw-a", "http", l => l with { Hostname = "*.a2.example.com" })),
        ("listener allowedRoutes changed", o => ChangeListener(o, "gw-b", "http", l => l with { AllowedRoutes = null })),
        ("Gateway generation bumped", o => Change<Gateway>(o, "gw-c", g => g with { Metadata = g.Metadata with { Generation = g.Metadata.Generation + 1 } })),
        ("ReferenceGrant removed", o => Without(o, "ReferenceGrant", "default", "gateways-from-other")),
        ("ReferenceGrant added", o => [.. o, .. Base().Where(x => x.Metadata.Name == "gateways-from-other")]),
        ("backend ReferenceGrant removed", o => Without(o, "ReferenceGrant", "backend", "routes-from-app")),
        ("Service changed", o => Change<Service>(o, "web", s => s with { Spec = s.Spec with { Ports = [s.Spec.Ports[0] with { Port = 8081 }] } })),
        ("EndpointSlice changed", o => Change<EndpointSlice>(o, "web-1", s => s with { Endpoints = [s.Endpoints[0] with { Addresses = ["127.0.0.12"] }] })),
        ("route moved to another Gateway", o => ChangeRoute(o, "a2", r => r with { Spec = r.Spec with { ParentRefs = [new ParentReference { Name = "gw-b", SectionName = "http" }] } })),
        ("conflict appears", o => AddListener(o, "gw-c", "a-too", "a.example.com")),
        ("conflict disappears", o => Change<Gateway>(o, "gw-c", g => g with { Spec = g.Spec with { Listeners = [.. g.Spec.Listeners.Where(l => l.Name != "a-too")] } })),
        ("Namespace made afresh with the same labels", o => Change<Namespace>(o, "app", n => n with { })),
        ("namespace label removed", o => Change<Namespace>(o, "app", n => n with { Metadata = n.Metadata with { Labels = new Dictionary<string, string>() } })),
        ("GRPCRoute changed", o => Change<GrpcRoute>(o, "echo", r => r with { Spec = r.Spec with { Hostnames = ["grpc2.a.example.com"] } })),
        ("TCPRoute added", o => [.. o, TcpRoute()]),
        ("route added beside a TCPRoute", o => [.. o, NewRoute("b2", "gw-b", "x.b.example.com")]),
        ("TCPRoute removed", o => Without(o, "TCPRoute", "other", "db")),
        ("Gateway removed", o => Without(o, "Gateway", "default", "gw-b")),
        ("Gateway added", o => [.. o, .. Base().Where(x => x is Gateway && x.Metadata.Name == "gw-b")]),
    ];

    private static void AssertEqualWithout(List<KubernetesObject> objects, TranslationCache cache, string step)
    {
        var snapshot = ResourceSnapshot.Create(objects);
        var expected = Translator.Translate(snapshot, new TranslatorOptions());
        var actual = Translator.Translate(snapshot, new TranslatorOptions(), cache);
        Assert.True(expected.Config.Equals(actual.Config), $"config differs after: {step}");
        Assert.Equal(TranslationDump.ToYaml(expected), TranslationDump.ToYaml(actual));
    }

    private static List<KubernetesObject> AddListener(List<KubernetesObject> objects, string gateway, string name, string hostname) =>
        Change<Gateway>(objects, gateway, g => g with
        {
            Spec = g.Spec with
            {
                Listeners =
                [
                    .. g.Spec.Listeners,
                    new Listener
                    {
                        Name = name, Protocol = ListenerProtocols.Https, Port = 443, Hostname = hostname,
                        Tls = new GatewayTlsConfig { CertificateRefs = [new SecretObjectReference { Name = "example-cert", Namespace = "default" }] },
                    },
                ],
            },
        });

    private static List<KubernetesObject> ChangeListener(List<KubernetesObject> objects, string gateway, string name, Func<Listener, Listener> change) =>
        Change<Gateway>(objects, gateway, g => g with { Spec = g.Spec with { Listeners = [.. g.Spec.Listeners.Select(l => l.Name == name ? change(l) : l)] } });

    private static List<KubernetesObject> ChangeRoute(List<KubernetesObject> objects, string name, Func<HttpRoute, HttpRoute> change) =>
        Change(objects, name, change);

    private static List<KubernetesObject> ChangeSecret(List<KubernetesObject> objects, string name, IReadOnlyDictionary<string, byte[]>? data) =>
        Change<Secret>(objects, name, s => s with { Data = data });

    /// <summary>The objects with the one of type T and this name (if there is one: the sequence also runs backwards) replaced by a new object.</summary>
    private static List<KubernetesObject> Change<T>(List<KubernetesObject> objects, string name, Func<T, T> change)
        where T : KubernetesObject
    {
        var old = objects.OfType<T>().SingleOrDefault(o => o.Metadata.Name == name);
        return objects.Select(o => ReferenceEquals(o, old) ? change(old) : o).ToList();
    }

    private static List<KubernetesObject> Without(List<KubernetesObject> objects, string kind, string ns, string name) =>
        objects.Where(o => !(o.Kind == kind && o.Metadata.Namespace == ns && o.Metadata.Name == name)).ToList();

    private static HttpRoute NewRoute(string name, string gateway, string hostname) =>
        (HttpRoute)ManifestReader.Read(name, $"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: {name}
              namespace: default
              generation: 1
            spec:
              parentRefs:
                - name: {gateway}
              hostnames:
                - {hostname}
              rules:
                - backendRefs:
                    - name: web
                      port: 8080
            """).Objects.Single();

    private static TcpRoute TcpRoute() =>
        (TcpRoute)ManifestReader.Read("db", """
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TCPRoute
            metadata:
              name: db
              namespace: other
              generation: 1
            spec:
              parentRefs:
                - name: gw-c
                  sectionName: tcp
              rules:
                - backendRefs:
                    - name: web
                      namespace: default
                      port: 8080
            """).Objects.Single();

    private static HttpRouteStatus Route(TranslationResult result, string ns, string name) =>
        result.Status.HttpRoutes.Single(s => s.Key.Namespace == ns && s.Key.Name == name).Value;

    private static GatewayStatus Gateway(TranslationResult result, string ns, string name) =>
        result.Status.Gateways.Single(s => s.Key.Namespace == ns && s.Key.Name == name).Value;

    private static Secret Secret(string name) => Read($"secrets/{name}.yaml").OfType<Secret>().Single();

    private static List<KubernetesObject> Base() => [.. Read("cache/gateways.yaml"), Secret("example-cert"), Secret("sample-cert")];

    /// <summary>The objects of a testdata file, with generation 1 as the API server would set it.</summary>
    private static IEnumerable<KubernetesObject> Read(string file) =>
        ManifestReader.Read(file, File.ReadAllText(Path.Combine(TestData, file))).Objects
            .Select(o => o.Metadata.Generation == 0 ? o with { Metadata = o.Metadata with { Generation = 1 } } : o);

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
