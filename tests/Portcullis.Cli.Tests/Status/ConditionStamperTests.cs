namespace Portcullis.Cli.Tests.Status;

using Portcullis.Cli.Status;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation;

public class ConditionStamperTests
{
    private static readonly DateTimeOffset T0 = new(2025, 8, 4, 14, 23, 59, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(5);
    private static readonly DateTimeOffset T2 = T0.AddMinutes(10);

    private static Condition C(string type, string status = "True") => new() { Type = type, Status = status, Reason = type };

    private static ParentReference Parent(string name) => new() { Name = name };

    /// <summary>
    /// A status of each kind the store stamps, with one condition of type "Flip" that is not the last one visited, so
    /// a time stamped at the wrong position would show on another condition.
    /// </summary>
    public static TheoryData<string> Kinds => ["GatewayClass", "Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute", "TLSRoute", "Policy"];

    private static object Status(string kind, string flip) => kind switch
    {
        "GatewayClass" => new GatewayClassStatus { Conditions = [C("Flip", flip), C("Accepted")] },
        "Gateway" => new GatewayStatus
        {
            Conditions = [C("Accepted"), C("Flip", flip)],
            Listeners = [new ListenerStatus { Name = "a", Conditions = [C("Accepted"), C("Programmed")] }, new ListenerStatus { Name = "b", Conditions = [C("Programmed")] }],
        },
        "ListenerSet" => new ListenerSetStatus
        {
            Conditions = [C("Flip", flip)],
            Listeners = [new ListenerStatus { Name = "a", Conditions = [C("Accepted"), C("Programmed")] }],
        },
        "HTTPRoute" => new HttpRouteStatus { Parents = Parents(flip) },
        "GRPCRoute" => new GrpcRouteStatus { Parents = Parents(flip) },
        "TLSRoute" => new L4RouteStatus { Parents = Parents(flip) },
        _ => new PolicyStatus
        {
            Ancestors =
            [
                new PolicyAncestorStatus { AncestorRef = Parent("gw-a"), ControllerName = "c", Conditions = [C("Accepted"), C("Flip", flip)] },
                new PolicyAncestorStatus { AncestorRef = Parent("gw-b"), ControllerName = "c", Conditions = [C("Accepted")] },
            ],
        },
    };

    private static List<RouteParentStatus> Parents(string flip) =>
    [
        new() { ParentRef = Parent("gw-a"), ControllerName = "c", Conditions = [C("Accepted"), C("Flip", flip), C("ResolvedRefs")] },
        new() { ParentRef = Parent("gw-b"), ControllerName = "c", Conditions = [C("Accepted"), C("ResolvedRefs")] },
    ];

    private static object Stamp(object status, TransitionTimes times)
    {
        var stamper = new ConditionStamper(times);
        return status switch
        {
            GatewayClassStatus s => stamper.Stamp(s),
            GatewayStatus s => stamper.Stamp(s),
            ListenerSetStatus s => stamper.Stamp(s),
            HttpRouteStatus s => stamper.Stamp(s),
            GrpcRouteStatus s => stamper.Stamp(s),
            L4RouteStatus s => stamper.Stamp(s),
            PolicyStatus s => stamper.Stamp(s),
            _ => throw new ArgumentException("not a status", nameof(status)),
        };
    }

    private static List<(string Type, DateTimeOffset? Time)> TimesOf(object stamped) =>
        ConditionStamper.Conditions(stamped).Select(c => (c.Condition.Type, c.Condition.LastTransitionTime)).ToList();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Stamp_OneConditionChanged_OnlyThatConditionGetsTheNewTime(string kind)
    {
        var first = Status(kind, "True");
        var t0 = ConditionStamper.Times(null, default, first, T0);
        var changed = Status(kind, "False");

        var t1 = ConditionStamper.Times(first, t0, changed, T1);

        Assert.All(TimesOf(Stamp(changed, t1)), c => Assert.Equal(c.Type == "Flip" ? T1 : T0, c.Time));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Stamp_NothingChanged_KeepsEveryTime(string kind)
    {
        var first = Status(kind, "True");
        var t0 = ConditionStamper.Times(null, default, first, T0);
        var t1 = ConditionStamper.Times(first, t0, Status(kind, "False"), T1);

        var t2 = ConditionStamper.Times(Status(kind, "False"), t1, Status(kind, "False"), T2);

        Assert.Equal(TimesOf(Stamp(Status(kind, "False"), t1)), TimesOf(Stamp(Status(kind, "False"), t2)));
    }

    [Fact]
    public void Times_ParentsReordered_ConditionsFollowTheirParentNotTheirPosition()
    {
        var first = new HttpRouteStatus { Parents = Parents("True") };
        var t0 = ConditionStamper.Times(null, default, first, T0);
        var swapped = new HttpRouteStatus { Parents = [Parents("True")[1] with { Conditions = [C("Accepted", "False"), C("ResolvedRefs")] }, Parents("True")[0]] };

        var stamped = (HttpRouteStatus)Stamp(swapped, ConditionStamper.Times(first, t0, swapped, T1));

        Assert.Equal("gw-b", stamped.Parents[0].ParentRef.Name);
        Assert.Equal([T1, T0], stamped.Parents[0].Conditions.Select(c => c.LastTransitionTime));
        Assert.All(stamped.Parents[1].Conditions, c => Assert.Equal(T0, c.LastTransitionTime));
    }

    [Fact]
    public void Times_ManyListeners_OneListenerChangedKeepsTheOthersTimes()
    {
        // 2 + 20 conditions: more than are searched one by one, so the previous conditions are looked up by key.
        static GatewayStatus Gateway(string third) => new()
        {
            Conditions = [C("Accepted"), C("Programmed")],
            Listeners = Enumerable.Range(0, 10)
                .Select(i => new ListenerStatus { Name = $"l{i}", Conditions = [C("Accepted"), C("Programmed", i == 3 ? third : "True")] })
                .ToList(),
        };
        var t0 = ConditionStamper.Times(null, default, Gateway("True"), T0);

        var stamped = (GatewayStatus)Stamp(Gateway("False"), ConditionStamper.Times(Gateway("True"), t0, Gateway("False"), T1));

        Assert.Equal(T1, stamped.Listeners[3].Conditions[1].LastTransitionTime);
        Assert.Equal(21, ConditionStamper.Conditions(stamped).Count(c => c.Condition.LastTransitionTime == T0));
    }

    [Fact]
    public void Times_SameTypeTwiceInOneScope_TheLastOfThePreviousReportCounts()
    {
        // As with a map from (scope, type) to the last stamp: the second "Accepted" is what the next publish compares with.
        static HttpRouteStatus Route(string first, string second) => new()
        {
            Parents = [new() { ParentRef = Parent("gw"), ControllerName = "c", Conditions = [C("Accepted", first), C("Accepted", second)] }],
        };
        var t0 = ConditionStamper.Times(null, default, Route("True", "True"), T0);
        var t1 = ConditionStamper.Times(Route("True", "True"), t0, Route("True", "False"), T1);

        var t2 = ConditionStamper.Times(Route("True", "False"), t1, Route("False", "False"), T2);

        Assert.Equal([T1, T1], ((HttpRouteStatus)Stamp(Route("False", "False"), t2)).Parents[0].Conditions.Select(c => c.LastTransitionTime));
    }

    [Fact]
    public void Publish_ReportGoneAndBack_StampsTheTimeItCameBack()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var gw = TestData.Gateway();
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);
        time.Now = T1;
        store.Publish(TestData.Snapshot(gw), StatusReport.Empty, [], []);
        time.Now = T2;

        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);

        var conditions = store.Get("gateways", "default", "sni-gateway")!["status"]!["conditions"]!.AsArray();
        Assert.All(conditions, c => Assert.Equal("2025-08-04T14:33:59Z", (string?)c!["lastTransitionTime"]));
    }

    [Fact]
    public void Publish_ListenerChanged_OnlyThatListenersConditionIsRestamped()
    {
        var time = new ManualTime(T0);
        var store = new StatusStore(time);
        var gw = TestData.Gateway();
        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, TestData.GatewayStatus()), [], []);
        time.Now = T1;
        var https = TestData.GatewayStatus() with
        {
            Listeners = [TestData.GatewayStatus().Listeners[0], new ListenerStatus { Name = "https", Conditions = [C("Programmed", "False")] }],
        };

        store.Publish(TestData.Snapshot(gw), TestData.Report(gw, https), [], []);

        var status = store.Get("gateways", "default", "sni-gateway")!["status"]!;
        Assert.Equal("2025-08-04T14:23:59Z", (string?)status["listeners"]![0]!["conditions"]![0]!["lastTransitionTime"]);
        Assert.Equal("2025-08-04T14:28:59Z", (string?)status["listeners"]![1]!["conditions"]![0]!["lastTransitionTime"]);
        Assert.All(status["conditions"]!.AsArray(), c => Assert.Equal("2025-08-04T14:23:59Z", (string?)c!["lastTransitionTime"]));
    }

    [Fact]
    public void Get_ObjectsOfManyNamespaces_FindsEachAndNoOther()
    {
        var store = new StatusStore(new ManualTime(T0));
        var gateways = Enumerable.Range(0, 9)
            .Select(i => TestData.Gateway($"gw{i % 3}") with { Metadata = TestData.Gateway($"gw{i % 3}").Metadata with { Namespace = $"ns{i / 3}" } })
            .ToArray();
        store.Publish(TestData.Snapshot(gateways), StatusReport.Empty, [], []);

        Assert.All(gateways, g => Assert.Equal(g.Metadata.Name, (string?)store.Get("gateways", g.Metadata.Namespace, g.Metadata.Name)!["metadata"]!["name"]));
        Assert.Null(store.Get("gateways", "ns1", "gw3"));
        Assert.Null(store.Get("gateways", "default", "gw0"));
        Assert.Null(store.Get("httproutes", "ns1", "gw0"));
        Assert.Equal(["ns0", "ns0", "ns0", "ns1"], store.List("gateways", null).Take(4).Select(g => (string?)g["metadata"]!["namespace"]));
    }
}
