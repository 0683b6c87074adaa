using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Kubernetes.TestServer.Http;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer;

/// <summary>
/// A small in-process Kubernetes API server on 127.0.0.1 (plain HTTP, no auth) that speaks the real wire protocol
/// for the kinds Portcullis uses, so KubernetesClient and kubectl work against it. See README.md for what it leaves out.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private TestApiServer(WebApplication app, ObjectStore store, Uri baseAddress)
    {
        _app = app;
        _store = store;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static Task<TestApiServer> StartAsync(CancellationToken ct = default) => StartAsync(new TestApiServerOptions(), ct);

    public static async Task<TestApiServer> StartAsync(TestApiServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var store = new ObjectStore(options.WatchHistoryCapacity);
        var router = new Router(store, new ResourceHandler(store, new WatchStreamer(store, options.BookmarkInterval)));
        TestApiServer? server = null;
        app.Run(context =>
        {
            server!._requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.ContentType,
                context.Request.Headers.Accept.Count > 0 ? context.Request.Headers.Accept.ToString() : null));
            return router.HandleAsync(context, server.BaseAddress);
        });
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new TestApiServer(app, store, new Uri(address.TrimEnd('/') + "/"));
        return server;
    }

    /// <summary>Writes a kubeconfig whose current context points at this server without credentials; returns <paramref name="path"/>.</summary>
    public string WriteKubeconfig(string path)
    {
        var server = BaseAddress.GetLeftPart(UriPartial.Authority);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: portcullis-test
              cluster:
                server: {server}
            users:
            - name: portcullis-test
              user:
                token: portcullis-test-token
            contexts:
            - name: portcullis-test
              context:
                cluster: portcullis-test
                user: portcullis-test
                namespace: default
            current-context: portcullis-test

            """);
        return path;
    }

    /// <summary>Forgets the event history: any watch from an older resourceVersion now gets 410 Gone.</summary>
    public void ExpireWatchHistory() => _store.ExpireWatchHistory();

    /// <summary>Ends every open watch stream, as an API server restart or a load balancer's idle timeout would.</summary>
    public void DropWatches() => _store.DropWatches();

    /// <summary>Reads an object straight from the store (apiVersion e.g. "v1" or "gateway.networking.k8s.io/v1", resource plural).</summary>
    public JsonObject? Get(string apiVersion, string resource, string? ns, string name)
    {
        var (group, version) = ResourceRegistry.SplitApiVersion(apiVersion);
        var type = _store.Resolve(group, version, resource) ?? throw new ArgumentException($"no resource {resource} in {apiVersion}", nameof(resource));
        return _store.Get(type, type.Namespaced ? ns ?? "default" : null, name) is { } obj ? Responses.AsVersion(obj, type, version) : null;
    }

    /// <summary>
    /// Creates or replaces an object as given, status included (as a controller writing status would), with the
    /// server's fields filled and a watch event sent. Namespaced objects without a namespace go to "default".
    /// </summary>
    public JsonObject Put(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var apiVersion = (string?)obj["apiVersion"] ?? throw new ArgumentException("apiVersion is required", nameof(obj));
        var kind = (string?)obj["kind"] ?? throw new ArgumentException("kind is required", nameof(obj));
        var type = _store.ResolveKind(apiVersion, kind) ?? throw new ArgumentException($"no resource for {apiVersion} {kind}", nameof(obj));
        var copy = obj.DeepClone().AsObject();
        var ns = type.Namespaced ? ObjectMeta.Namespace(copy) ?? "default" : null;
        if (ns is not null)
        {
            ObjectMeta.Metadata(copy)["namespace"] = ns;
        }

        var name = ObjectMeta.Name(copy) ?? throw new ArgumentException("metadata.name is required", nameof(obj));
        var (_, version) = ResourceRegistry.SplitApiVersion(apiVersion);
        var stored = _store.Get(type, ns, name) is null
            ? _store.Create(type, ns, copy, UpdateScope.Direct)
            : _store.Update(type, ns, name, _ => copy, UpdateScope.Direct);
        return Responses.AsVersion(stored, type, version);
    }

    public async ValueTask DisposeAsync()
    {
        _store.DropWatches();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
