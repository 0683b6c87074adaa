namespace Portcullis.Kubernetes.Provisioning;

using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Portcullis.Model;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation;
using Portcullis.Translation.Addressing;

/// <summary>How proxy fleets are provisioned when GatewayParameters do not say.</summary>
public sealed record GatewayProvisionerOptions
{
    /// <summary>Environment variable the controller Deployment (deploy/) sets to its own image.</summary>
    public const string ProxyImageVariable = "PORTCULLIS_PROXY_IMAGE";

    public string ProxyImage { get; init; } = "ghcr.io/portcullis/portcullis:latest";

    /// <summary>The ClusterRoleBinding (deploy/portcullis.yaml) whose subjects are kept equal to the proxies' ServiceAccounts.</summary>
    public string ProxyRoleBinding { get; init; } = "portcullis-proxy";

    public static GatewayProvisionerOptions FromEnvironment() =>
        Environment.GetEnvironmentVariable(ProxyImageVariable) is { Length: > 0 } image ? new() { ProxyImage = image } : new();
}

/// <summary>
/// For each Gateway of our (accepted) class: a ServiceAccount, Service and Deployment named `portcullis-NAME`, and
/// per namespace holding Secrets its listeners use a Role and RoleBinding reading just those (<see cref="SecretAccess"/>),
/// owned by the Gateway (so deleting the Gateway deletes them). Creates what is missing, updates only what
/// drifted from our fields, and deletes ours for Gateways that left our class. A Gateway that is ours but not
/// Accepted (an unsupported spec.addresses, say) keeps its fleet: taking its Service away would drop traffic
/// that is being served and release its external address over an edit that can be undone.
/// Errors are per Gateway: one that cannot be provisioned does not hold up the others.
/// </summary>
public sealed partial class GatewayProvisioner(IKubernetes client, GatewayProvisionerOptions options, ILogger<GatewayProvisioner> logger) : IGatewayProvisioner
{
    private static readonly string OursSelector =
        $"{ProxyResourceBuilder.NameLabel}={ProxyResourceBuilder.ProxyName},{ProxyResourceBuilder.ManagedByLabel}={ProxyResourceBuilder.ManagedBy}";

    /// <summary>The listeners of the ListenerSets the translator accepted onto <paramref name="gateway"/>.</summary>
    private static IEnumerable<Listener> AcceptedListenerSetListeners(ResourceSnapshot snapshot, TranslationResult result, Gateway gateway)
    {
        var ns = gateway.Metadata.Namespace ?? "default";
        foreach (var set in snapshot.ListenerSets)
        {
            var setNs = set.Metadata.Namespace ?? "default";
            var accepted = result.Status.ListenerSets.TryGetValue(set.Ref, out var status)
                && status.Conditions.Any(c => c.Type == "Accepted" && c.Status == "True");
            if (accepted && set.Spec.ParentRef.Name == gateway.Metadata.Name && (set.Spec.ParentRef.Namespace ?? setNs) == ns)
            {
                foreach (var listener in set.Spec.Listeners)
                {
                    yield return listener;
                }
            }
        }
    }

    public async Task ReconcileAsync(ResourceSnapshot snapshot, TranslationResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(result);
        var wanted = new HashSet<(string Ns, string Name)>();
        var grants = new HashSet<(string Ns, string Name)>();
        foreach (var gateway in snapshot.Gateways)
        {
            if (!IsOurs(result, gateway))
            {
                continue;
            }

            var key = (gateway.Metadata.Namespace ?? "default", ProvisionedNames.For(gateway.Metadata.Name));
            wanted.Add(key);
            try
            {
                var parameters = await ParametersAsync(snapshot, gateway, ct).ConfigureAwait(false);
                // Secret access first, so new proxy pods find their Roles in place and need not retry their first reads.
                foreach (var grant in SecretAccess.Build(gateway, snapshot))
                {
                    grants.Add((grant.Role.Metadata.NamespaceProperty, grant.Role.Metadata.Name));
                    await ApplyGrantAsync(grant, ct).ConfigureAwait(false);
                }

                var desired = ProxyResourceBuilder.Build(gateway, parameters, options.ProxyImage, AcceptedListenerSetListeners(snapshot, result, gateway));
                await ApplyAsync(desired, ct).ConfigureAwait(false);
            }
            catch (HttpOperationException e)
            {
                LogProvisionFailed(key.Item1, gateway.Metadata.Name, e.Request.Method.Method, e.Request.RequestUri?.AbsolutePath ?? "", (int)e.Response.StatusCode, e.Response.Content);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // The API server could not be reached for this Gateway; the others still get their pass.
                LogProvisionUnreachable(key.Item1, gateway.Metadata.Name, e);
            }
        }

        await DeleteStaleAsync(wanted, ct).ConfigureAwait(false);
        await DeleteStaleGrantsAsync(grants, ct).ConfigureAwait(false);
        await SyncProxyBindingAsync(wanted, ct).ConfigureAwait(false);
    }

    private async Task ApplyGrantAsync(SecretGrant grant, CancellationToken ct)
    {
        var ns = grant.Role.Metadata.NamespaceProperty;
        var name = grant.Role.Metadata.Name;
        await ApplyOneAsync("Role", grant.Role, r => r.Metadata,
            () => client.RbacAuthorizationV1.ReadNamespacedRoleAsync(name, ns, cancellationToken: ct),
            () => client.RbacAuthorizationV1.CreateNamespacedRoleAsync(grant.Role, ns, cancellationToken: ct),
            ProvisionedDrift.Differs,
            existing =>
            {
                ProvisionedDrift.MergeMeta(existing.Metadata, grant.Role.Metadata);
                existing.Rules = grant.Role.Rules;
                return client.RbacAuthorizationV1.ReplaceNamespacedRoleAsync(existing, name, ns, cancellationToken: ct);
            }).ConfigureAwait(false);
        await ApplyOneAsync("RoleBinding", grant.Binding, b => b.Metadata,
            () => client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(name, ns, cancellationToken: ct),
            () => client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(grant.Binding, ns, cancellationToken: ct),
            ProvisionedDrift.Differs,
            existing =>
            {
                ProvisionedDrift.MergeMeta(existing.Metadata, grant.Binding.Metadata);
                existing.Subjects = grant.Binding.Subjects; // roleRef is immutable and, by name, always the same Role
                return client.RbacAuthorizationV1.ReplaceNamespacedRoleBindingAsync(existing, name, ns, cancellationToken: ct);
            }).ConfigureAwait(false);
    }

    /// <summary>Secret grants (ours, by label) for Secrets no longer referenced, or of Gateways gone or no longer ours.</summary>
    private async Task DeleteStaleGrantsAsync(HashSet<(string Ns, string Name)> wanted, CancellationToken ct)
    {
        var rbac = client.RbacAuthorizationV1;
        await DeleteUnwantedAsync("RoleBinding", wanted,
            (await rbac.ListRoleBindingForAllNamespacesAsync(labelSelector: OursSelector, cancellationToken: ct).ConfigureAwait(false)).Items.Select(b => b.Metadata),
            m => rbac.DeleteNamespacedRoleBindingAsync(m.Name, m.NamespaceProperty, cancellationToken: ct)).ConfigureAwait(false);
        await DeleteUnwantedAsync("Role", wanted,
            (await rbac.ListRoleForAllNamespacesAsync(labelSelector: OursSelector, cancellationToken: ct).ConfigureAwait(false)).Items.Select(r => r.Metadata),
            m => rbac.DeleteNamespacedRoleAsync(m.Name, m.NamespaceProperty, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Ours: the translator reports status for exactly the Gateways of the classes it accepted.</summary>
    private static bool IsOurs(TranslationResult result, Gateway gateway) => result.Status.Gateways.ContainsKey(gateway.Ref);

    /// <summary>The class's GatewayParameters overlaid with the Gateway's own; a missing object counts as empty.</summary>
    private async Task<GatewayParametersSpec> ParametersAsync(ResourceSnapshot snapshot, Gateway gateway, CancellationToken ct)
    {
        var spec = new GatewayParametersSpec();
        var gc = snapshot.GatewayClasses.FirstOrDefault(c => c.Metadata.Name == gateway.Spec.GatewayClassName);
        if (gc?.Spec.ParametersRef is { Group: GatewayParametersSpec.Group, Kind: GatewayParametersSpec.Kind, Namespace: { } classNs } classRef)
        {
            spec = spec.Overlay(await ReadParametersAsync(classNs, classRef.Name, ct).ConfigureAwait(false));
        }

        if (gateway.Spec.Infrastructure?.ParametersRef is { Group: GatewayParametersSpec.Group, Kind: GatewayParametersSpec.Kind } own)
        {
            spec = spec.Overlay(await ReadParametersAsync(gateway.Metadata.Namespace ?? "default", own.Name, ct).ConfigureAwait(false));
        }

        return spec;
    }

    private async Task<GatewayParametersSpec?> ReadParametersAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            var obj = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(
                GatewayParametersSpec.Group, GatewayParametersSpec.Version, ns, GatewayParametersSpec.Plural, name, ct).ConfigureAwait(false);
            return GatewayParametersSpec.FromObject(obj);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            LogParametersMissing(ns, name);
            return null;
        }
    }

    private async Task ApplyAsync(ProxyResources desired, CancellationToken ct)
    {
        var ns = desired.Service.Metadata.NamespaceProperty;
        var name = desired.Service.Metadata.Name;
        await ApplyOneAsync("ServiceAccount", desired.ServiceAccount, s => s.Metadata,
            () => client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct),
            () => client.CoreV1.CreateNamespacedServiceAccountAsync(desired.ServiceAccount, ns, cancellationToken: ct),
            ProvisionedDrift.Differs,
            existing =>
            {
                ProvisionedDrift.MergeMeta(existing.Metadata, desired.ServiceAccount.Metadata);
                return client.CoreV1.ReplaceNamespacedServiceAccountAsync(existing, name, ns, cancellationToken: ct);
            }).ConfigureAwait(false);
        await ApplyOneAsync("Service", desired.Service, s => s.Metadata,
            () => client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct),
            () => client.CoreV1.CreateNamespacedServiceAsync(desired.Service, ns, cancellationToken: ct),
            ProvisionedDrift.Differs,
            existing => client.CoreV1.ReplaceNamespacedServiceAsync(ProvisionedDrift.Merge(existing, desired.Service), name, ns, cancellationToken: ct)).ConfigureAwait(false);
        // The session key: created once with fresh random data, then left as it is (a new key would end every session).
        var keyName = desired.SessionKey.Metadata.Name;
        await ApplyOneAsync("Secret", desired.SessionKey, k => k.Metadata,
            () => client.CoreV1.ReadNamespacedSecretAsync(keyName, ns, cancellationToken: ct),
            () => client.CoreV1.CreateNamespacedSecretAsync(WithFreshKey(desired.SessionKey), ns, cancellationToken: ct),
            (_, _) => false,
            existing => Task.FromResult(existing)).ConfigureAwait(false);
        await ApplyOneAsync("Deployment", desired.Deployment, d => d.Metadata,
            () => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct),
            () => client.AppsV1.CreateNamespacedDeploymentAsync(desired.Deployment, ns, cancellationToken: ct),
            ProvisionedDrift.Differs,
            existing => client.AppsV1.ReplaceNamespacedDeploymentAsync(ProvisionedDrift.Merge(existing, desired.Deployment), name, ns, cancellationToken: ct)).ConfigureAwait(false);
    }

    private static V1Secret WithFreshKey(V1Secret secret) => new()
    {
        ApiVersion = secret.ApiVersion,
        Kind = secret.Kind,
        Type = secret.Type,
        Metadata = secret.Metadata,
        Data = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [ProxyResourceBuilder.SessionKeyDataKey] = System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))),
        },
    };

    /// <summary>Create when absent; when present and ours, replace only if our fields drifted (no churn).</summary>
    private async Task ApplyOneAsync<T>(
        string kind,
        T desired,
        Func<T, V1ObjectMeta> meta,
        Func<Task<T>> read,
        Func<Task<T>> create,
        Func<T, T, bool> differs,
        Func<T, Task<T>> replace)
        where T : class
    {
        var existing = await ReadAsync(read).ConfigureAwait(false);
        var m = meta(desired);
        if (existing is null)
        {
            await create().ConfigureAwait(false);
            LogCreated(kind, m.NamespaceProperty, m.Name);
        }
        else if (Owned(meta(existing), kind) && differs(existing, desired))
        {
            await replace(existing).ConfigureAwait(false);
            LogUpdated(kind, m.NamespaceProperty, m.Name);
        }
    }

    /// <summary>An object of the same name that we did not provision is the user's: never taken over.</summary>
    private bool Owned(V1ObjectMeta meta, string kind)
    {
        if (ProvisionedDrift.IsOurs(meta))
        {
            return true;
        }

        LogNotOurs(kind, meta.NamespaceProperty, meta.Name);
        return false;
    }

    /// <summary>Ours (by label) whose Gateway is gone or no longer of our class. Owner GC covers deleted Gateways; this covers the rest.</summary>
    private async Task DeleteStaleAsync(HashSet<(string Ns, string Name)> wanted, CancellationToken ct)
    {
        await DeleteUnwantedAsync("Deployment", wanted,
            (await client.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: OursSelector, cancellationToken: ct).ConfigureAwait(false)).Items.Select(d => d.Metadata),
            m => client.AppsV1.DeleteNamespacedDeploymentAsync(m.Name, m.NamespaceProperty, cancellationToken: ct)).ConfigureAwait(false);
        await DeleteUnwantedAsync("Service", wanted,
            (await client.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: OursSelector, cancellationToken: ct).ConfigureAwait(false)).Items.Select(s => s.Metadata),
            m => client.CoreV1.DeleteNamespacedServiceAsync(m.Name, m.NamespaceProperty, cancellationToken: ct)).ConfigureAwait(false);
        await DeleteUnwantedAsync("ServiceAccount", wanted,
            (await client.CoreV1.ListServiceAccountForAllNamespacesAsync(labelSelector: OursSelector, cancellationToken: ct).ConfigureAwait(false)).Items.Select(a => a.Metadata),
            m => client.CoreV1.DeleteNamespacedServiceAccountAsync(m.Name, m.NamespaceProperty, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Deletes each listed object of ours that <paramref name="wanted"/> does not name (by namespace and name).</summary>
    private async Task DeleteUnwantedAsync<T>(string kind, HashSet<(string Ns, string Name)> wanted, IEnumerable<V1ObjectMeta> listed, Func<V1ObjectMeta, Task<T>> delete)
    {
        foreach (var meta in listed.Where(m => !wanted.Contains((m.NamespaceProperty, m.Name))))
        {
            await DeleteAsync(kind, meta, () => delete(meta)).ConfigureAwait(false);
        }
    }

    private async Task DeleteAsync<T>(string kind, V1ObjectMeta meta, Func<Task<T>> delete)
    {
        try
        {
            await delete().ConfigureAwait(false);
            LogDeleted(kind, meta.NamespaceProperty, meta.Name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone (owner GC got there first).
        }
    }

    /// <summary>
    /// Proxy pods read the API with their Gateway's ServiceAccount; the one ClusterRoleBinding of the read-only
    /// proxy role lists exactly those. It comes with deploy/; without it (not installed from deploy/) nothing is bound.
    /// </summary>
    private async Task SyncProxyBindingAsync(HashSet<(string Ns, string Name)> wanted, CancellationToken ct)
    {
        V1ClusterRoleBinding? binding;
        try
        {
            binding = await ReadAsync(() => client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(options.ProxyRoleBinding, cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Forbidden)
        {
            binding = null;
        }

        if (binding is null)
        {
            LogNoProxyBinding(options.ProxyRoleBinding);
            return;
        }

        var subjects = wanted.OrderBy(w => w.Ns, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal)
            .Select(w => new Rbacv1Subject { Kind = "ServiceAccount", Name = w.Name, NamespaceProperty = w.Ns })
            .ToList();
        var current = (binding.Subjects ?? []).Select(s => $"{s.Kind}/{s.NamespaceProperty}/{s.Name}");
        if (current.SequenceEqual(subjects.Select(s => $"{s.Kind}/{s.NamespaceProperty}/{s.Name}")))
        {
            return;
        }

        binding.Subjects = subjects;
        try
        {
            await client.RbacAuthorizationV1.ReplaceClusterRoleBindingAsync(binding, binding.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e)
        {
            LogProvisionFailed("", options.ProxyRoleBinding, e.Request.Method.Method, e.Request.RequestUri?.AbsolutePath ?? "", (int)e.Response.StatusCode, e.Response.Content);
        }
    }

    private static async Task<T?> ReadAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "provisioned {Kind} {Namespace}/{Name}")]
    private partial void LogCreated(string kind, string @namespace, string name);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "updated {Kind} {Namespace}/{Name}")]
    private partial void LogUpdated(string kind, string @namespace, string name);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "deleted {Kind} {Namespace}/{Name}: its Gateway is no longer of our class")]
    private partial void LogDeleted(string kind, string @namespace, string name);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "{Kind} {Namespace}/{Name} exists but was not provisioned by Portcullis; leaving it alone")]
    private partial void LogNotOurs(string kind, string @namespace, string name);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "GatewayParameters {Namespace}/{Name} not found; using defaults")]
    private partial void LogParametersMissing(string @namespace, string name);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "cannot provision for Gateway {Namespace}/{Name}: {Method} {Path}: HTTP {Status} {Body}")]
    private partial void LogProvisionFailed(string @namespace, string name, string method, string path, int status, string body);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "cannot provision for Gateway {Namespace}/{Name}: the API server did not answer")]
    private partial void LogProvisionUnreachable(string @namespace, string name, Exception exception);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "ClusterRoleBinding {Name} not found: proxy ServiceAccounts are not bound to the proxy role")]
    private partial void LogNoProxyBinding(string name);
}
