namespace Portcullis.Translation.Sessions;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Steps;
using Portcullis.Translation.Status;

/// <summary>Policy condition reasons (PolicyConditionReason in GEP-713).</summary>
internal static class SessionPolicyReasons
{
    public const string Accepted = "Accepted";
    public const string Conflicted = "Conflicted";
    public const string Invalid = "Invalid";
    public const string TargetNotFound = "TargetNotFound";
}

/// <summary>
/// Status of BackendLBPolicies and XBackendTrafficPolicies, one ancestor per Gateway of ours that an accepted
/// HTTPRoute or GRPCRoute sending traffic to a targeted Service is attached to (GEP-713 recommends the Gateway as
/// the ancestor of a backend policy). Runs after <see cref="RouteAttachStep"/>, which decided those attachments.
/// </summary>
internal sealed class SessionPolicyStatusStep : ITranslationStep
{
    /// <summary>The CRD's limit on status.ancestors.</summary>
    private const int MaxAncestors = 16;

    public void Run(TranslationContext context)
    {
        var policies = context.Index.SessionPolicies.Policies;
        if (policies.Count == 0)
        {
            return;
        }

        var gatewaysByService = GatewaysByService(context);
        foreach (var policy in policies)
        {
            var ancestors = policy.Services
                .SelectMany(s => gatewaysByService.GetValueOrDefault((policy.Namespace, s)) ?? [])
                .Distinct()
                .Order(StringComparer.Ordinal)
                .Take(MaxAncestors)
                .Select(key => new PolicyAncestorStatus
                {
                    AncestorRef = new ParentReference
                    {
                        Group = GatewayApiGroup.Name, Kind = "Gateway", Namespace = key[..key.IndexOf('/', StringComparison.Ordinal)],
                        Name = key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..],
                    },
                    ControllerName = context.Options.ControllerName,
                    Conditions = [Accepted(policy)],
                })
                .ToArray();
            var status = new PolicyStatus { Ancestors = ancestors };
            if (policy.Policy is BackendLbPolicy)
            {
                context.BackendLbPolicyStatuses[policy.Policy.Ref] = status;
            }
            else
            {
                context.XBackendTrafficPolicyStatuses[policy.Policy.Ref] = status;
            }
        }
    }

    private static Condition Accepted(SessionPolicy policy)
    {
        var generation = policy.Policy.Metadata.Generation;
        if (policy.Invalid is { } invalid)
        {
            return Conditions.False(ConditionTypes.Accepted, SessionPolicyReasons.Invalid, invalid, generation);
        }

        if (policy.Conflicts.Count > 0)
        {
            return Conditions.False(ConditionTypes.Accepted, SessionPolicyReasons.Conflicted,
                string.Join("; ", policy.Conflicts) + " (the older policy wins)", generation);
        }

        if (policy.NotFound.Count > 0)
        {
            return Conditions.False(ConditionTypes.Accepted, SessionPolicyReasons.TargetNotFound,
                "no Service " + string.Join(", ", policy.NotFound) + " in namespace " + policy.Namespace, generation);
        }

        var message = policy.HasRetryConstraint
            ? "Policy is accepted; retryConstraint has no effect: Portcullis never retries a request, so there is no retry to budget"
            : "Policy is accepted";
        return Conditions.True(ConditionTypes.Accepted, SessionPolicyReasons.Accepted, message, generation);
    }

    /// <summary>"namespace/gateway" keys of our Gateways that accepted an HTTPRoute or GRPCRoute sending to each Service.</summary>
    private static Dictionary<(string Ns, string Name), HashSet<string>> GatewaysByService(TranslationContext context)
    {
        var result = new Dictionary<(string, string), HashSet<string>>();
        void Add(string routeNs, IEnumerable<HttpBackendRef> refs, IReadOnlyList<RouteParentStatus>? parents)
        {
            var gateways = (parents ?? [])
                .Where(p => p.Conditions.Any(c => c.Type == ConditionTypes.Accepted && c.Status == ConditionStatus.True))
                .Select(p => $"{p.ParentRef.Namespace ?? routeNs}/{p.ParentRef.Name}")
                .ToList();
            if (gateways.Count == 0)
            {
                return;
            }

            foreach (var r in refs.Where(r => (r.Group ?? "").Length == 0 && (r.Kind ?? "Service") == "Service"))
            {
                var key = (r.Namespace ?? routeNs, r.Name);
                if (!result.TryGetValue(key, out var set))
                {
                    result[key] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.UnionWith(gateways);
            }
        }

        foreach (var route in context.Snapshot.HttpRoutes)
        {
            Add(route.Metadata.Namespace ?? "", route.Spec.Rules.SelectMany(r => r.BackendRefs), context.HttpRouteStatuses.GetValueOrDefault(route.Ref)?.Parents);
        }

        foreach (var route in context.Snapshot.GrpcRoutes)
        {
            Add(route.Metadata.Namespace ?? "", route.Spec.Rules.SelectMany(r => r.BackendRefs), context.GrpcRouteStatuses.GetValueOrDefault(route.Ref)?.Parents);
        }

        return result;
    }
}
