namespace Portcullis.Cli.Tests.Status;

using Portcullis.Cli.Status;
using Portcullis.DataPlane;
using Portcullis.Translation;

public class StatusStoreTests
{
    private static readonly DateTimeOffset T0 = new(2025, 8, 4, 14, 23, 59, TimeSpan.Zero);

    private static string? TransitionTime(StatusStore store, string type)
    {
        var gw = store.Get("gateways", "default", "sni-gateway")!;
        return gw["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == type)!["lastTransitionTime"]!.GetValue<string>();
    }

    [Fact]
    public void Publish_First_StampsNowAndBecomesReady()
    {
        var store = new StatusStore(new ManualTime(T0));
        Assert.False(store.Ready);
        var gw = TestData.Gateway();
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);
        Assert.True(store.Ready);
        Assert.Equal(1, store.Revision);
        Assert.Equal("2025-08-04T14:23:59Z", TransitionTime(store, "Programmed"));
    }

    [Fact]
    public void Publish_SameConditionStatus_KeepsPreviousTransitionTime()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var gw = TestData.Gateway();
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);
        time.Now = T0.AddMinutes(5);
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);
        Assert.Equal("2025-08-04T14:23:59Z", TransitionTime(store, "Programmed"));
        Assert.Equal(2, store.Revision);
    }

    [Fact]
    public void Publish_ChangedConditionStatus_StampsNewTransitionTime()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var gw = TestData.Gateway();
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);
        time.Now = T0.AddMinutes(5);
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus(programmed: "False")), [], []);
        Assert.Equal("2025-08-04T14:28:59Z", TransitionTime(store, "Programmed"));
        Assert.Equal("2025-08-04T14:23:59Z", TransitionTime(store, "Accepted"));
    }

    [Fact]
    public void Publish_SecretAppliedWithKubectl_RedactsTheLastAppliedAnnotationThatHoldsTheKey()
    {
        var store = new StatusStore(new ManualTime(T0));
        var applied = TestData.Secret() with
        {
            Metadata = TestData.Secret().Metadata with
            {
                Annotations = new Dictionary<string, string>
                {
                    ["kubectl.kubernetes.io/last-applied-configuration"] = """{"data":{"tls.key":"LS0tLS1CRUdJTi..."}}""",
                    ["team"] = "web",
                },
            },
        };
        store.Publish(TestData.Snapshot(applied), StatusReport.Empty, [], []);

        var annotations = store.Get("secrets", "default", "example-cert")!["metadata"]!["annotations"]!;
        Assert.Equal("[redacted]", annotations["kubectl.kubernetes.io/last-applied-configuration"]!.GetValue<string>());
        Assert.Equal("web", annotations["team"]!.GetValue<string>());
    }

    [Fact]
    public void Publish_Secret_RedactsEveryValue()
    {
        var store = new StatusStore(new ManualTime(T0));
        store.Publish(TestData.Snapshot(TestData.Secret()), StatusReport.Empty, [], []);
        var secret = store.Get("secrets", "default", "example-cert")!;
        Assert.Equal("[redacted 1234 bytes]", secret["data"]!["tls.crt"]!.GetValue<string>());
        Assert.Equal("[redacted 56 bytes]", secret["data"]!["tls.key"]!.GetValue<string>());
        Assert.Equal("[redacted 7 bytes]", secret["stringData"]!["note"]!.GetValue<string>());
        Assert.DoesNotContain("secret!", secret.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("AAAA", secret.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_Object_HasKubernetesShapeWithoutModelOnlyFields()
    {
        var store = new StatusStore(new ManualTime(T0));
        var gw = TestData.Gateway();
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);
        var json = store.Get("gateways", "default", "sni-gateway")!;
        Assert.Equal(["apiVersion", "kind", "metadata", "spec", "status"], json.Select(p => p.Key).ToArray());
        Assert.Equal("gateway.networking.k8s.io/v1", json["apiVersion"]!.GetValue<string>());
        Assert.Equal("2025-08-04T14:00:00Z", json["metadata"]!["creationTimestamp"]!.GetValue<string>());
        Assert.Equal("uid-sni-gateway", json["metadata"]!["uid"]!.GetValue<string>());
        Assert.Equal("127.0.0.10", json["status"]!["addresses"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public void Publish_PortsInUseOnEveryListener_ListenersPortUnavailableAndGatewayNotProgrammed()
    {
        var store = new StatusStore(new ManualTime(T0));
        var gw = TestData.Gateway();
        var failures = new[]
        {
            new BindFailure("127.0.0.10", 80, ["default/sni-gateway/http"], "address already in use"),
            new BindFailure("127.0.0.10", 443, ["default/sni-gateway/https"], "permission denied"),
        };
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], failures);
        var status = store.Get("gateways", "default", "sni-gateway")!["status"]!;
        var http = status["listeners"]![0]!["conditions"]!.AsArray();
        var accepted = http.Single(c => (string?)c!["type"] == "Accepted")!;
        Assert.Equal("False", (string?)accepted["status"]);
        Assert.Equal("PortUnavailable", (string?)accepted["reason"]);
        Assert.Contains("address already in use", (string?)accepted["message"], StringComparison.Ordinal);
        var listenerProgrammed = http.Single(c => (string?)c!["type"] == "Programmed")!;
        Assert.Equal("False", (string?)listenerProgrammed["status"]);
        Assert.Equal("Invalid", (string?)listenerProgrammed["reason"]);
        var programmed = status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Programmed")!;
        Assert.Equal("False", (string?)programmed["status"]);
        Assert.Equal("Invalid", (string?)programmed["reason"]);
    }

    [Fact]
    public void Publish_AddressNotOfThisMachine_GatewayAddressNotUsable_ListenersStayAccepted()
    {
        var store = new StatusStore(new ManualTime(T0));
        var gw = TestData.Gateway();
        var failures = new[]
        {
            new BindFailure("192.0.2.1", 80, ["default/sni-gateway/http", "default/sni-gateway/https"], "address not available")
            {
                Kind = BindFailureKind.AddressNotUsable,
            },
        };
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], failures);
        var status = store.Get("gateways", "default", "sni-gateway")!["status"]!;
        var programmed = status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Programmed")!;
        Assert.Equal("AddressNotUsable", (string?)programmed["reason"]);
        Assert.DoesNotContain(status["listeners"]![0]!["conditions"]!.AsArray(), c => (string?)c!["reason"] == "PortUnavailable");
    }

    [Fact]
    public void Publish_BindFailureOnSomeListeners_LeavesGatewayProgrammed()
    {
        var store = new StatusStore(new ManualTime(T0));
        var gw = TestData.Gateway();
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], [new BindFailure("127.0.0.10", 80, ["default/sni-gateway/http"], "in use")]);
        var status = store.Get("gateways", "default", "sni-gateway")!["status"]!;
        Assert.Equal("True", status["conditions"]![1]!["status"]!.GetValue<string>());
        Assert.Equal("True", status["listeners"]![1]!["conditions"]![0]!["status"]!.GetValue<string>());
        Assert.Equal("False", status["listeners"]![0]!["conditions"]![0]!["status"]!.GetValue<string>());
    }

    [Fact]
    public void List_ByNamespace_FiltersAndReturnsCopies()
    {
        var store = new StatusStore(new ManualTime(T0));
        var gw = TestData.Gateway();
        var other = TestData.Gateway("other") with { Metadata = TestData.Gateway("other").Metadata with { Namespace = "team-a" } };
        store.Publish(TestData.Snapshot(gw, other), StatusReport.Empty, [], []);
        Assert.Equal(2, store.List("gateways", null).Count);
        var defaults = store.List("gateways", "default");
        Assert.Single(defaults);
        defaults[0]["spec"] = null;
        Assert.NotNull(store.Get("gateways", "default", "sni-gateway")!["spec"]);
    }

    private static Model.GatewayApi.HttpRoute Route() => new()
    {
        ApiVersion = "gateway.networking.k8s.io/v1",
        Kind = "HTTPRoute",
        Metadata = new() { Name = "web", Namespace = "default", Generation = 1, CreationTimestamp = TestData.Created },
    };

    /// <summary>A fresh status each call, as the translator makes one per translation: equal by value, never the same lists.</summary>
    private static StatusReport RouteReport(Model.GatewayApi.HttpRoute route, string accepted) => new()
    {
        HttpRoutes = new Dictionary<Model.Core.ObjectRef, Model.GatewayApi.HttpRouteStatus>
        {
            [route.Ref] = new()
            {
                Parents =
                [
                    new()
                    {
                        ParentRef = new() { Name = "sni-gateway" },
                        ControllerName = TranslatorOptions.DefaultControllerName,
                        Conditions = [new() { Type = "Accepted", Status = accepted, Reason = "Accepted", ObservedGeneration = 1 }],
                    },
                ],
            },
        },
    };

    private static string? RouteTransitionTime(StatusStore store) =>
        store.Get("httproutes", "default", "web")!["status"]!["parents"]![0]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>();

    [Fact]
    public void Publish_SameObjectWithStatusEqualByValue_KeepsItsTransitionTime()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var route = Route();
        store.Publish(TestData.Snapshot(route), RouteReport(route, "True"), [], []);
        time.Now = T0.AddMinutes(5);

        store.Publish(TestData.Snapshot(route), RouteReport(route, "True"), [], []);

        Assert.Equal("2025-08-04T14:23:59Z", RouteTransitionTime(store));
    }

    [Fact]
    public void Publish_SameObjectWithChangedStatus_StampsTheChangedCondition()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var route = Route();
        store.Publish(TestData.Snapshot(route), RouteReport(route, "True"), [], []);
        time.Now = T0.AddMinutes(5);

        store.Publish(TestData.Snapshot(route), RouteReport(route, "False"), [], []);

        Assert.Equal("2025-08-04T14:28:59Z", RouteTransitionTime(store));
        Assert.Equal("False", store.Get("httproutes", "default", "web")!["status"]!["parents"]![0]!["conditions"]![0]!["status"]!.GetValue<string>());
    }

    [Fact]
    public void Publish_NewInstanceOfTheObject_KeepsTransitionTimesOfUnchangedConditions()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var route = Route();
        store.Publish(TestData.Snapshot(route), RouteReport(route, "True"), [], []);
        time.Now = T0.AddMinutes(5);
        var edited = route with { Metadata = route.Metadata with { Labels = new Dictionary<string, string> { ["team"] = "web" } } };

        store.Publish(TestData.Snapshot(edited), RouteReport(edited, "True"), [], []);

        Assert.Equal("2025-08-04T14:23:59Z", RouteTransitionTime(store));
        Assert.Equal("web", store.Get("httproutes", "default", "web")!["metadata"]!["labels"]!["team"]!.GetValue<string>());
    }

    private static Model.GatewayApi.HttpRoute Route(string name) => Route() with { Metadata = Route().Metadata with { Name = name } };

    /// <summary>Like the translator's: sorted by <see cref="Model.Core.ObjectRef.Comparer"/>, one fresh status per route.</summary>
    private static StatusReport RoutesReport(IEnumerable<Model.GatewayApi.HttpRoute> routes, string? falseFor = null)
    {
        var statuses = new SortedDictionary<Model.Core.ObjectRef, Model.GatewayApi.HttpRouteStatus>(Model.Core.ObjectRef.Comparer);
        foreach (var route in routes)
        {
            statuses[route.Ref] = RouteReport(route, route.Metadata.Name == falseFor ? "False" : "True").HttpRoutes[route.Ref];
        }

        return new StatusReport { HttpRoutes = statuses };
    }

    private static string? RouteTransitionTime(StatusStore store, string name) =>
        store.Get("httproutes", "default", name)!["status"]!["parents"]![0]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>();

    [Fact]
    public void Publish_OneOfManyRoutesChangedAndOneAdded_StampsOnlyThoseTwo()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var routes = Enumerable.Range(0, 20).Select(i => Route($"r{i}")).ToList();
        var secret = TestData.Secret();
        store.Publish(TestData.Snapshot([.. routes, secret]), RoutesReport(routes), [], []);
        time.Now = T0.AddMinutes(5);
        var more = routes.Append(Route("r5a")).ToList();

        store.Publish(TestData.Snapshot([.. more, secret]), RoutesReport(more, falseFor: "r7"), [], []);

        Assert.Equal("2025-08-04T14:28:59Z", RouteTransitionTime(store, "r7"));
        Assert.Equal("2025-08-04T14:28:59Z", RouteTransitionTime(store, "r5a"));
        Assert.All(routes.Where(r => r.Metadata.Name != "r7"), r => Assert.Equal("2025-08-04T14:23:59Z", RouteTransitionTime(store, r.Metadata.Name)));
        Assert.Equal(21, store.List("httproutes", null).Count);
        Assert.NotNull(store.Get("secrets", "default", "example-cert"));
    }

    [Fact]
    public void Publish_SnapshotNotInStoreOrder_KeepsTransitionTimesAndListsInOrder()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var (a, b, c) = (Route("a"), Route("b"), Route("c"));
        store.Publish(TestData.Snapshot(a, b, c), RoutesReport([a, b, c]), [], []);
        time.Now = T0.AddMinutes(5);

        store.Publish(new Model.ResourceSnapshot { HttpRoutes = [c, a, b] }, RoutesReport([a, b, c]), [], []);

        Assert.All(new[] { "a", "b", "c" }, n => Assert.Equal("2025-08-04T14:23:59Z", RouteTransitionTime(store, n)));
        Assert.Equal(["a", "b", "c"], store.List("httproutes", null).Select(o => o["metadata"]!["name"]!.GetValue<string>()));
    }
}
