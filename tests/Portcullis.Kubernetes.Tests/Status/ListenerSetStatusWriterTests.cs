namespace Portcullis.Kubernetes.Tests.Status;

using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Kubernetes.Status;
using Portcullis.Kubernetes.Tests.Support;
using Portcullis.Translation;

public class ListenerSetStatusWriterTests
{
    private static readonly KubernetesProviderOptions Fast = new() { QuietPeriod = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task WriteAsync_ListenerSet_IsReadByItsInformerAndGetsItsStatusAndTheGatewaysCount()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Put(TestCluster.Crd("ListenerSet", "listenersets", "Namespaced", "v1"));
        cluster.ApplyClass();
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"web","namespace":"default"},
             "spec":{"gatewayClassName":"portcullis","allowedListeners":{"namespaces":{"from":"Same"}},
                     "listeners":[{"name":"http","protocol":"HTTP","port":8080}]}}
            """);
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"ListenerSet","metadata":{"name":"extra","namespace":"default"},
             "spec":{"parentRef":{"name":"web"},"listeners":[{"name":"more","protocol":"HTTP","port":8081}]}}
            """);
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var snapshot = await run.NextAsync(s => s.ListenerSets.Count == 1 && s.Gateways.Count == 1);
        var log = new ListLogger();

        await new StatusWriter(client, TestCluster.ControllerName, log)
            .WriteAsync(snapshot, Translator.Translate(snapshot, new TranslatorOptions()).Status, CancellationToken.None);

        var status = cluster.Server.Get("gateway.networking.k8s.io/v1", "listenersets", "default", "extra")?["status"];
        Assert.True(TestCluster.Condition(status, "Accepted") is not null, log.ToString());
        Assert.Equal("True", (string?)TestCluster.Condition(status, "Accepted")?["status"]);
        Assert.NotNull((string?)TestCluster.Condition(status, "Accepted")?["lastTransitionTime"]);
        Assert.Equal("more", (string?)status?["listeners"]?[0]?["name"]);
        Assert.Equal(1, (int?)cluster.Gateway("default", "web")?["status"]?["attachedListenerSets"]);
    }
}
