using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portcullis.Kubernetes.TestServer.Tests;

public sealed class WatchTests : ClientTestBase
{
    // Generous: only a failsafe so a broken server fails the test instead of hanging it.
    private static readonly TimeSpan Failsafe = TimeSpan.FromSeconds(20);

    protected override TestApiServerOptions Options => new() { BookmarkInterval = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Watch_FromListResourceVersion_DeliversAddedModifiedDeletedInOrder()
    {
        var from = (await Client.CoreV1.ListNamespacedSecretAsync("default")).Metadata.ResourceVersion;
        await using var watch = WatchSecrets(from);

        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), "default");
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"labels":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), "s1", "default");
        await Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default");

        var events = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        var versions = events.Select(e => long.Parse(e.Object.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(3, versions.Distinct().Count());
    }

    [Fact]
    public async Task Watch_ResumedFromAnEventsResourceVersion_ReplaysOnlyLaterEvents()
    {
        var first = await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("b"), "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("c"), "default");

        await using var watch = WatchSecrets(first.Metadata.ResourceVersion);

        Assert.Equal("b", (await watch.NextAsync()).Object.Metadata.Name);
        Assert.Equal("c", (await watch.NextAsync()).Object.Metadata.Name);
    }

    [Fact]
    public async Task Watch_WithoutResourceVersion_StartsWithAddedForExistingObjects()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), "default");

        await using var watch = WatchSecrets(null);

        var e = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "a"), (e.Type, e.Object.Metadata.Name));
    }

    [Fact]
    public async Task Watch_AfterExpireWatchHistory_GetsErrorEventWith410Expired()
    {
        var from = (await Client.CoreV1.ListNamespacedSecretAsync("default")).Metadata.ResourceVersion;
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), "default");
        Server.ExpireWatchHistory();

        await using var watch = WatchSecrets(from);

        var error = Assert.IsType<KubernetesException>(await watch.ErrorAsync());
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
    }

    [Fact]
    public async Task Watch_FromCurrentVersionAfterExpireWatchHistory_Works()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), "default");
        Server.ExpireWatchHistory();
        var from = (await Client.CoreV1.ListNamespacedSecretAsync("default")).Metadata.ResourceVersion;

        await using var watch = WatchSecrets(from);
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("b"), "default");

        Assert.Equal("b", (await watch.NextAsync()).Object.Metadata.Name);
    }

    [Fact]
    public async Task DropWatches_EndsOpenStreams()
    {
        await using var watch = WatchSecrets(null);
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), "default");
        await watch.NextAsync();

        Server.DropWatches();

        Assert.True(await watch.EndedAsync());
        Assert.False(watch.Failed, watch.ToString());
    }

    [Fact]
    public async Task Watch_TimeoutSeconds_EndsTheStream()
    {
        // KubernetesClient fails (EndOfStreamException) on a watch that ends before its first line, against a
        // real server too; one existing object gives the stream that first line.
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), "default");
        await using var watch = WatchSecrets(null, timeoutSeconds: 1);

        await watch.NextAsync();
        Assert.True(await watch.EndedAsync());
        Assert.False(watch.Failed, watch.ToString());
    }

    [Fact]
    public async Task Watch_WithBookmarks_SendsBookmarksCarryingTheCurrentResourceVersion()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), "default");
        var current = (await Client.CoreV1.ListNamespacedSecretAsync("default")).Metadata.ResourceVersion;

        await using var watch = WatchSecrets(current, bookmarks: true);

        var bookmark = await watch.NextAsync();
        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        Assert.Equal(current, bookmark.Object.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Watch_LabelSelector_DeliversOnlyMatchingObjects()
    {
        await using var watch = WatchSecrets(null, labelSelector: "app=portcullis");

        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("other", labels: new Dictionary<string, string> { ["app"] = "x" }), "default");
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("ours", labels: new Dictionary<string, string> { ["app"] = "portcullis" }), "default");

        Assert.Equal("ours", (await watch.NextAsync()).Object.Metadata.Name);
    }

    [Fact]
    public async Task Watch_LabelSelector_ObjectLeavingAndEnteringTheSelection_IsDeletedThenAdded()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s", labels: new Dictionary<string, string> { ["app"] = "portcullis" }), "default");
        await using var watch = WatchSecrets(null, labelSelector: "app=portcullis");
        await watch.NextAsync();

        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"labels":{"app":"other"}}}""", V1Patch.PatchType.MergePatch), "s", "default");
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"labels":{"app":"portcullis"}}}""", V1Patch.PatchType.MergePatch), "s", "default");

        Assert.Equal(WatchEventType.Deleted, (await watch.NextAsync()).Type);
        Assert.Equal(WatchEventType.Added, (await watch.NextAsync()).Type);
    }

    [Fact]
    public async Task Watch_CustomObjects_DeliversGatewayEvents()
    {
        await CreateGatewayApiCrdsAsync("gateways");
        var list = Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(GatewayGroup, "v1", "default", "gateways", watch: true);
#pragma warning disable CS0618 // The list-then-WatchAsync pattern is obsolete in KubernetesClient 21 but still what typed informers use.
        await using var watch = new Watch<GatewayObject>(list.WatchAsync<GatewayObject, object>);
#pragma warning restore CS0618

        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(Gateway("g"), GatewayGroup, "v1", "default", "gateways");

        var e = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "g", "Gateway"), (e.Type, e.Object.Metadata.Name, e.Object.Kind));
    }

    private Watch<V1Secret> WatchSecrets(string? resourceVersion, bool bookmarks = false, int? timeoutSeconds = null, string? labelSelector = null)
    {
        return new Watch<V1Secret>((onError, ct) => Client.CoreV1.WatchListNamespacedSecretAsync(
            "default", resourceVersion: resourceVersion, allowWatchBookmarks: bookmarks, timeoutSeconds: timeoutSeconds, labelSelector: labelSelector,
            onError: onError, cancellationToken: ct));
    }

    public sealed class GatewayObject : KubernetesObject, IMetadata<V1ObjectMeta>
    {
        public V1ObjectMeta Metadata { get; set; } = null!;
    }

    /// <summary>Pumps a KubernetesClient watch into a channel so a test can take events one at a time.</summary>
    private sealed class Watch<T> : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Channel<(WatchEventType Type, T Object)> _events = Channel.CreateUnbounded<(WatchEventType, T)>();
        private readonly TaskCompletionSource<Exception> _error = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _pump;

        public Watch(Func<Action<Exception>?, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> start)
        {
            _pump = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in start(e => _error.TrySetResult(e), _stop.Token))
                    {
                        await _events.Writer.WriteAsync(e);
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or HttpOperationException or HttpRequestException or IOException)
                {
                    _error.TrySetResult(e);
                }
                finally
                {
                    _events.Writer.TryComplete();
                }
            });
        }

        public async Task<(WatchEventType Type, T Object)> NextAsync() =>
            await _events.Reader.ReadAsync().AsTask().WaitAsync(Failsafe);

        public Task<Exception> ErrorAsync() => _error.Task.WaitAsync(Failsafe);

        public bool Failed => _error.Task.IsCompleted;

        public override string ToString() => _error.Task.IsCompleted ? _error.Task.Result.ToString() : "no error";

        /// <summary>True once the stream has ended (after any events still queued).</summary>
        public async Task<bool> EndedAsync()
        {
            await _pump.WaitAsync(Failsafe);
            return _events.Reader.Completion.IsCompleted || !await _events.Reader.WaitToReadAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pump.WaitAsync(Failsafe).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }
    }
}
