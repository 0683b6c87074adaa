namespace Portcullis.Translation.Sessions;

using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>One BackendLBPolicy or XBackendTrafficPolicy and what the translator decided about it.</summary>
internal sealed class SessionPolicy(KubernetesObject policy, IReadOnlyList<LocalPolicyTargetReference> targetRefs,
    SessionPersistence? session, bool hasRetryConstraint)
{
    public KubernetesObject Policy { get; } = policy;

    public IReadOnlyList<LocalPolicyTargetReference> TargetRefs { get; } = targetRefs;

    public SessionPersistence? Session { get; } = session;

    public bool HasRetryConstraint { get; } = hasRetryConstraint;

    /// <summary>Why the policy is not accepted (Invalid); null when it is valid.</summary>
    public string? Invalid { get; set; }

    /// <summary>Targets that are no Service in the policy's namespace.</summary>
    public List<string> NotFound { get; } = [];

    /// <summary>Targets an older policy already configures: this one loses there (Conflicted).</summary>
    public List<string> Conflicts { get; } = [];

    public string Namespace => Policy.Metadata.Namespace ?? "";

    /// <summary>The Services it targets (group "" and kind Service), by name.</summary>
    public IEnumerable<string> Services => TargetRefs.Where(IsService).Select(t => t.Name);

    public static bool IsService(LocalPolicyTargetReference t) => t.Group.Length == 0 && t.Kind == "Service";
}

/// <summary>
/// The session policies of one snapshot, and for each Service the one that configures it. Two policies giving
/// one Service session persistence conflict: the older (then by kind, namespace and name) wins, as GEP-713 asks.
/// </summary>
internal sealed class SessionPolicyTable
{
    private readonly Dictionary<(string Ns, string Name), SessionPolicy> _byService = [];

    public SessionPolicyTable(ResourceSnapshot snapshot, SnapshotIndex index)
    {
        var all = snapshot.BackendLbPolicies
            .Select(p => new SessionPolicy(p, p.Spec.TargetRefs, p.Spec.SessionPersistence, hasRetryConstraint: false))
            .Concat(snapshot.XBackendTrafficPolicies
                .Select(p => new SessionPolicy(p, p.Spec.TargetRefs, p.Spec.SessionPersistence, p.Spec.RetryConstraint is not null)))
            .OrderBy(p => p.Policy.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
            .ThenBy(p => p.Policy.Ref, ObjectRef.Comparer)
            .ToList();
        foreach (var policy in all)
        {
            var other = policy.TargetRefs.FirstOrDefault(t => !SessionPolicy.IsService(t));
            policy.Invalid = other is not null
                ? $"targetRef {(other.Group.Length == 0 ? other.Kind : other.Group + "/" + other.Kind)} {other.Name} is not supported; only Service is"
                : policy.Session is { } session ? SessionSettings.Validate(session) : null;
            if (policy.Invalid is not null)
            {
                continue;
            }

            foreach (var name in policy.Services)
            {
                if (index.Service(policy.Namespace, name) is null)
                {
                    policy.NotFound.Add(name);
                }
                else if (policy.Session is not null && !_byService.TryAdd((policy.Namespace, name), policy))
                {
                    policy.Conflicts.Add($"Service {name} already has session persistence from {_byService[(policy.Namespace, name)].Policy.Ref}");
                }
            }
        }

        Policies = all;
    }

    /// <summary>Every policy, oldest first.</summary>
    public IReadOnlyList<SessionPolicy> Policies { get; }

    /// <summary>The accepted policy giving the Service session persistence, if any.</summary>
    public SessionPolicy? ForService(string ns, string name) => _byService.GetValueOrDefault((ns, name));
}
