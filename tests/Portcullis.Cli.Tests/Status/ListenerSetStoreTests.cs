namespace Portcullis.Cli.Tests.Status;

using Portcullis.Cli.Output;
using Portcullis.Cli.Status;
using Portcullis.Model;
using Portcullis.Model.Manifests;
using Portcullis.Translation;

public class ListenerSetStoreTests
{
    private static readonly DateTimeOffset T0 = new(2025, 8, 4, 14, 23, 59, TimeSpan.Zero);

    private const string Manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: { name: portcullis }
        spec: { controllerName: portcullis.dev/gateway-controller }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: web, namespace: default }
        spec:
          gatewayClassName: portcullis
          allowedListeners: { namespaces: { from: Same } }
          listeners: [{ name: http, protocol: HTTP, port: 8080 }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: { name: extra, namespace: default }
        spec:
          parentRef: { name: web }
          listeners: [{ name: more, protocol: HTTP, port: 8081 }]
        """;

    [Fact]
    public void Publish_ListenerSet_ServedUnderListenerSetsWithStampedConditionsOnItAndItsListeners()
    {
        var snapshot = ResourceSnapshot.Create(ManifestReader.Read("test", Manifests).Objects);
        var store = new StatusStore(new ManualTime(T0));

        store.Publish(snapshot, Translator.Translate(snapshot, new TranslatorOptions()).Status, [], []);

        var set = store.Get("listenersets", "default", "extra");
        Assert.NotNull(set);
        var accepted = set["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Accepted")!;
        Assert.Equal(("True", "2025-08-04T14:23:59Z"), ((string?)accepted["status"], (string?)accepted["lastTransitionTime"]));
        var listener = set["status"]!["listeners"]!.AsArray().Single()!;
        Assert.Equal("more", (string?)listener["name"]);
        Assert.All(listener["conditions"]!.AsArray(), c => Assert.Equal("2025-08-04T14:23:59Z", (string?)c!["lastTransitionTime"]));
        Assert.Equal(1, (int?)store.Get("gateways", "default", "web")!["status"]!["attachedListenerSets"]);
    }

    [Fact]
    public void Find_ListenerSetNames_ResolveLikeKubectl()
    {
        Assert.All(["listenersets", "listenerset", "ListenerSet", "lset", "listenersets.gateway.networking.k8s.io"],
            name => Assert.Same(ResourceType.ListenerSets, ResourceType.Find(name)));
    }

    [Fact]
    public void Format_ListenerSets_ShowsTheCrdPrinterColumns()
    {
        var snapshot = ResourceSnapshot.Create(ManifestReader.Read("test", Manifests).Objects);
        var store = new StatusStore(new ManualTime(T0));
        store.Publish(snapshot, Translator.Translate(snapshot, new TranslatorOptions()).Status, [], []);

        var text = ResourceTable.Format(ResourceType.ListenerSets, [store.Get("listenersets", "default", "extra")!], wide: true, withNamespace: false, T0);

        Assert.StartsWith("NAME    ACCEPTED   PROGRAMMED   AGE", text, StringComparison.Ordinal);
        Assert.Contains("web      more:8081", text, StringComparison.Ordinal);
    }
}
