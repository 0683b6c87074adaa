namespace Portcullis.Kubernetes.Status;

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Portcullis.Kubernetes.Resources;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Serialization;
using Portcullis.Translation;
using KubernetesObject = Portcullis.Model.Core.KubernetesObject;

/// <summary>
/// Writes the translator's status back to the cluster: for each object, the desired status is compared with the
/// status the object has now (from the informers' snapshot) and, only when they differ, the status subresource is
/// merge-patched; the main resource is never written. Route parents of other controllers are kept as they are.
/// A conflict or a vanished object is skipped: the watch event that caused it brings a new snapshot and another pass.
/// </summary>
public sealed partial class StatusWriter(IKubernetes client, string controllerName, ILogger logger, TimeProvider? timeProvider = null)
{
    // One line per kind with status: where the translator's status is, and the status the object carries now.
    private static readonly StatusKind[] Kinds =
    [
        new(ResourceKinds.GatewayClass, r => Entries(r.GatewayClasses), o => ((GatewayClass)o).Status, SharedParents: false),
        new(ResourceKinds.Gateway, r => Entries(r.Gateways), o => ((Gateway)o).Status, SharedParents: false),
        new(ResourceKinds.HttpRoute, r => Entries(r.HttpRoutes), o => ((HttpRoute)o).Status, SharedParents: true),
        new(ResourceKinds.GrpcRoute, r => Entries(r.GrpcRoutes), o => ((GrpcRoute)o).Status, SharedParents: true),
        new(ResourceKinds.TlsRoute, r => Entries(r.TlsRoutes), o => ((TlsRoute)o).Status, SharedParents: true),
        new(ResourceKinds.TcpRoute, r => Entries(r.TcpRoutes), o => ((TcpRoute)o).Status, SharedParents: true),
        new(ResourceKinds.UdpRoute, r => Entries(r.UdpRoutes), o => ((UdpRoute)o).Status, SharedParents: true),
        new(ResourceKinds.BackendLbPolicy, r => Entries(r.BackendLbPolicies), o => ((BackendLbPolicy)o).Status, SharedParents: true) { SharedList = "ancestors" },
        new(ResourceKinds.XBackendTrafficPolicy, r => Entries(r.XBackendTrafficPolicies), o => ((XBackendTrafficPolicy)o).Status, SharedParents: true)
        {
            SharedList = "ancestors",
        },
        new(ResourceKinds.ListenerSet, r => Entries(r.ListenerSets), o => ((ListenerSet)o).Status, SharedParents: false),
        new(ResourceKinds.BackendTlsPolicy, r => Entries(r.BackendTlsPolicies), o => ((BackendTlsPolicy)o).Status, SharedParents: true)
        {
            SharedList = "ancestors",
        },
    ];

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Dictionary<ObjectRef, Written> _written = [];

    /// <summary>Patches every object whose status differs from the report's; returns how many were patched.</summary>
    public async Task<int> WriteAsync(ResourceSnapshot snapshot, StatusReport report, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(report);
        var objects = snapshot.All.ToDictionary(o => o.Ref);
        foreach (var gone in _written.Keys.Where(k => !objects.ContainsKey(k)).ToList())
        {
            _written.Remove(gone);
        }

        var now = _time.GetUtcNow();
        var nowNode = JsonSerializer.SerializeToNode(new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero), KubeJson.Output)!;
        var patched = 0;
        foreach (var kind in Kinds)
        {
            foreach (var (reference, status) in kind.Desired(report))
            {
                if (!objects.TryGetValue(reference, out var obj))
                {
                    continue;
                }

                var current = KubeJson.ToNode(kind.Current(obj)) as JsonObject;
                var desired = (JsonObject)KubeJson.ToNode(status)!;
                if (kind.SharedParents)
                {
                    KeepOtherControllersParents(desired, current, kind.SharedList);
                }

                ConditionTimes.Stamp(desired, current, nowNode);
                if (JsonNode.DeepEquals(desired, current))
                {
                    continue;
                }

                var text = desired.ToJsonString();
                if (_written.TryGetValue(reference, out var last) && last.ResourceVersion == obj.Metadata.ResourceVersion && last.Status == text)
                {
                    continue; // written already; the snapshot has not caught up with our own patch yet
                }

                if (await PatchAsync(kind.Resource, obj, desired, ct).ConfigureAwait(false))
                {
                    _written[reference] = new Written(obj.Metadata.ResourceVersion, text);
                    patched++;
                }
            }
        }

        return patched;
    }

    private void KeepOtherControllersParents(JsonObject desired, JsonObject? current, string list)
    {
        var others = (current?[list] as JsonArray)?
            .Where(p => p?["controllerName"]?.GetValue<string>() != controllerName)
            .Select(p => p!.DeepClone())
            .ToList() ?? [];
        var ours = (desired[list] as JsonArray)?.Select(p => p!.DeepClone()) ?? [];
        desired[list] = new JsonArray([.. others, .. ours]);
    }

    private async Task<bool> PatchAsync(ResourceKind kind, KubernetesObject obj, JsonObject status, CancellationToken ct)
    {
        // resourceVersion makes the patch conditional: a route's parents from another controller written meanwhile
        // are not overwritten with our stale copy (409, and the next snapshot tries again).
        var body = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = obj.Metadata.ResourceVersion },
            ["status"] = status,
        };
        var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch);
        var version = obj.ApiVersion[(obj.ApiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];
        try
        {
            using var response = kind.Namespaced
                ? await client.CustomObjects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync(
                    patch, kind.Group, version, obj.Metadata.Namespace, kind.Plural, obj.Metadata.Name, cancellationToken: ct).ConfigureAwait(false)
                : await client.CustomObjects.PatchClusterCustomObjectStatusWithHttpMessagesAsync(
                    patch, kind.Group, version, kind.Plural, obj.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
            LogPatched(logger, obj.Ref);
            return true;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            LogGone(logger, obj.Ref);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            LogConflict(logger, obj.Ref);
        }
        catch (HttpOperationException e)
        {
            LogFailed(logger, obj.Ref, e.Response?.StatusCode, e.Response?.Content);
        }

        return false;
    }

    private static IEnumerable<(ObjectRef, object)> Entries<T>(IReadOnlyDictionary<ObjectRef, T> statuses)
        where T : class =>
        statuses.Select(e => (e.Key, (object)e.Value));

    private sealed record StatusKind(
        ResourceKind Resource,
        Func<StatusReport, IEnumerable<(ObjectRef Ref, object Status)>> Desired,
        Func<KubernetesObject, object?> Current,
        bool SharedParents)
    {
        /// <summary>The status list shared with other controllers: route "parents", policy "ancestors".</summary>
        public string SharedList { get; init; } = "parents";
    }

    private readonly record struct Written(string? ResourceVersion, string Status);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "patched the status of {Object}")]
    private static partial void LogPatched(ILogger logger, ObjectRef @object);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "{Object} was deleted before its status could be written")]
    private static partial void LogGone(ILogger logger, ObjectRef @object);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "{Object} changed while its status was written; the next snapshot retries")]
    private static partial void LogConflict(ILogger logger, ObjectRef @object);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "writing the status of {Object} failed: {StatusCode} {Body}")]
    private static partial void LogFailed(ILogger logger, ObjectRef @object, HttpStatusCode? statusCode, string? body);
}
