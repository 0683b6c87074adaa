namespace Portcullis.Translation.Steps;

using Portcullis.Ir;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Backends;
using Portcullis.Translation.Status;

/// <summary>
/// Backend TLS, once routes and listeners are output: each Gateway's spec.tls.backend client certificate (its
/// ResolvedRefs condition, and the certificate put on every re-encrypted backend of its listeners), and each
/// BackendTLSPolicy's status, one ancestor per Gateway of ours whose HTTPRoutes or GRPCRoutes use a target.
/// </summary>
internal sealed class BackendTlsStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        foreach (var gw in context.Gateways)
        {
            if (gw.Gateway.Spec.Tls?.Backend?.ClientCertificateRef is { } clientRef)
            {
                ApplyClientCertificate(context, gw, clientRef);
            }
        }

        if (context.Snapshot.BackendTlsPolicies.Count > 0)
        {
            ReportPolicies(context);
        }
    }

    private static void ApplyClientCertificate(TranslationContext context, GatewayState gw, SecretObjectReference r)
    {
        var g = gw.Generation;
        var (certificate, reason, message) = ResolveClientCertificate(context, gw.Gateway, r);
        var resolved = certificate is null
            ? Conditions.False(ConditionTypes.ResolvedRefs, reason!, message!, g)
            : Conditions.True(ConditionTypes.ResolvedRefs, GatewayReasons.ResolvedRefs, "All references are resolved", g);
        if (context.GatewayStatuses.TryGetValue(gw.Gateway.Ref, out var status))
        {
            context.GatewayStatuses[gw.Gateway.Ref] = status with { Conditions = [.. status.Conditions, resolved] };
        }

        if (certificate is null)
        {
            return;
        }

        var prefix = gw.Key + "/";
        var listeners = context.Config.Listeners.AsImmutableArray()
            .Select(l => l.Name.StartsWith(prefix, StringComparison.Ordinal) ? WithClientCertificate(l, certificate) : l);
        context.Config = context.Config with { Listeners = listeners.ToEquatableArray() };
    }

    private static (TlsCertificate? Certificate, string? Reason, string? Message) ResolveClientCertificate(TranslationContext context, Gateway gateway,
        SecretObjectReference r)
    {
        var gwNs = gateway.Metadata.Namespace ?? "";
        var ns = r.Namespace ?? gwNs;
        var name = $"{ns}/{r.Name}";
        var group = r.Group ?? "";
        var kind = r.Kind ?? "Secret";
        if (group.Length != 0 || kind != "Secret")
        {
            return (null, GatewayReasons.InvalidClientCertificateRef,
                $"spec.tls.backend.clientCertificateRef {(group.Length == 0 ? kind : group + "/" + kind)} {name}: only core Secrets are supported");
        }

        if (!context.Index.ReferencePermitted(GatewayApiGroup.Name, "Gateway", gwNs, "", "Secret", ns, r.Name))
        {
            return (null, GatewayReasons.RefNotPermitted,
                $"spec.tls.backend.clientCertificateRef Secret {name}: no ReferenceGrant in namespace {ns} allows Gateways from namespace {gwNs} to refer to it");
        }

        var secret = context.Index.Secret(ns, r.Name);
        var judged = secret is null ? null : GatewayStep.JudgeSecret(context, secret);
        return judged?.Certificate is { } certificate
            ? (certificate, null, null)
            : (null, GatewayReasons.InvalidClientCertificateRef, $"spec.tls.backend.clientCertificateRef Secret {name}: {judged?.Check.Error ?? "does not exist"}");
    }

    private static ListenerConfig WithClientCertificate(ListenerConfig listener, TlsCertificate certificate)
    {
        WeightedBackend Backend(WeightedBackend b) => b with
        {
            Tls = b.Tls is null ? null : b.Tls with { ClientCertificate = certificate },
            Filters = Filters(b.Filters),
        };
        HttpFilters? Filters(HttpFilters? f) =>
            f is null || f.Mirrors.IsEmpty ? f : f with { Mirrors = f.Mirrors.AsImmutableArray().Select(m => m with { Backend = Backend(m.Backend) }).ToEquatableArray() };
        RouteConfig Route(RouteConfig r) => r with
        {
            Action = r.Action with
            {
                Backends = r.Action.Backends.AsImmutableArray().Select(Backend).ToEquatableArray(),
                Filters = Filters(r.Action.Filters),
            },
        };

        return listener with { Routes = listener.Routes.AsImmutableArray().Select(Route).ToEquatableArray() };
    }

    private static void ReportPolicies(TranslationContext context)
    {
        var ancestors = FindAncestors(context);
        foreach (var verdict in context.Index.BackendTls.All)
        {
            var policy = verdict.Policy;
            if (!ancestors.TryGetValue(policy.Ref, out var gateways))
            {
                continue; // used by no Gateway of ours: another controller may own it, so say nothing
            }

            var g = policy.Metadata.Generation;
            var accepted = verdict switch
            {
                { ConflictedWith: { } winner } => Conditions.False(ConditionTypes.Accepted, PolicyReasons.Conflicted,
                    $"BackendTLSPolicy {winner} takes precedence on a shared target", g),
                { NoValidCa: true } => Conditions.False(ConditionTypes.Accepted, PolicyReasons.NoValidCACertificate,
                    "no caCertificateRef is usable", g),
                _ => Conditions.True(ConditionTypes.Accepted, PolicyReasons.Accepted, "Policy is accepted", g),
            };
            var resolved = verdict.RefsReason is { } reason
                ? Conditions.False(ConditionTypes.ResolvedRefs, reason, verdict.RefsMessage ?? "", g)
                : Conditions.True(ConditionTypes.ResolvedRefs, PolicyReasons.ResolvedRefs, "All references are resolved", g);
            context.BackendTlsPolicyStatuses[policy.Ref] = new PolicyStatus
            {
                Ancestors = gateways.Select(gw => new PolicyAncestorStatus
                {
                    AncestorRef = new ParentReference
                    {
                        Group = GatewayApiGroup.Name,
                        Kind = "Gateway",
                        Namespace = gw.Namespace,
                        Name = gw.Name,
                    },
                    ControllerName = context.Options.ControllerName,
                    Conditions = [accepted, resolved],
                }).ToList(),
            };
        }
    }

    /// <summary>For each policy, the Gateways of ours (sorted) that a route using one of its target Service ports names as parent.</summary>
    private static Dictionary<ObjectRef, SortedSet<ObjectRef>> FindAncestors(TranslationContext context)
    {
        var result = new Dictionary<ObjectRef, SortedSet<ObjectRef>>();
        var routes = context.Snapshot.HttpRoutes.Select(r => (Route: (KubernetesObject)r, r.Spec.ParentRefs, Refs: r.Spec.Rules.SelectMany(x => x.BackendRefs).Select(Target), Terminated: false))
            .Concat(context.Snapshot.GrpcRoutes.Select(r => (Route: (KubernetesObject)r, r.Spec.ParentRefs, Refs: r.Spec.Rules.SelectMany(x => x.BackendRefs).Select(Target), Terminated: false)))
            // A TLSRoute re-encrypts only behind a Terminate listener; through Passthrough the client's own TLS reaches the backend.
            .Concat(context.Snapshot.TlsRoutes.Select(r => (Route: (KubernetesObject)r, r.Spec.ParentRefs, Refs: r.Spec.Rules.SelectMany(x => x.BackendRefs).Select(Target), Terminated: true)));
        foreach (var (route, parentRefs, backendRefs, terminated) in routes)
        {
            var routeNs = route.Metadata.Namespace ?? "";
            var gateways = parentRefs
                .Where(p => (p.Group ?? GatewayApiGroup.Name) == GatewayApiGroup.Name && (p.Kind ?? "Gateway") == "Gateway")
                .Select(p => (Parent: p, Gateway: context.FindGateway(p.Namespace ?? routeNs, p.Name)))
                .Where(x => x.Gateway is not null && (!terminated || HasTerminateListener(x.Gateway, x.Parent.SectionName)))
                .Select(x => x.Gateway!.Gateway.Ref)
                .ToList();
            if (gateways.Count == 0)
            {
                continue;
            }

            foreach (var r in backendRefs)
            {
                foreach (var policy in PoliciesTargeting(context, routeNs, r))
                {
                    if (!result.TryGetValue(policy, out var set))
                    {
                        result[policy] = set = new SortedSet<ObjectRef>(ObjectRef.Comparer);
                    }

                    set.UnionWith(gateways);
                }
            }
        }

        return result;
    }

    private static bool HasTerminateListener(GatewayState gateway, string? sectionName) =>
        gateway.Listeners.Any(l => l.Spec.Protocol == ListenerProtocols.Tls && l.Spec.Tls?.Mode == "Terminate"
            && (sectionName is null || l.Spec.Name == sectionName));

    private static BackendTarget Target(HttpBackendRef r) => new(r.Group, r.Kind, r.Namespace, r.Name, r.Port);

    private static BackendTarget Target(BackendRef r) => new(r.Group, r.Kind, r.Namespace, r.Name, r.Port);

    /// <summary>What of a backendRef, whatever the route's kind, names a Service port.</summary>
    private sealed record BackendTarget(string? Group, string? Kind, string? Namespace, string Name, int? Port);

    /// <summary>Every policy (conflicted ones too, which must report it) targeting the Service port a backendRef names.</summary>
    private static IEnumerable<ObjectRef> PoliciesTargeting(TranslationContext context, string routeNs, BackendTarget r)
    {
        if ((r.Group ?? "").Length != 0 || (r.Kind ?? "Service") != "Service" || r.Port is not { } port)
        {
            yield break;
        }

        var ns = r.Namespace ?? routeNs;
        var portName = context.Index.Service(ns, r.Name)?.Spec.Ports.FirstOrDefault(p => p.Port == port)?.Name ?? "";
        foreach (var verdict in context.Index.BackendTls.All)
        {
            var policy = verdict.Policy;
            if (policy.Metadata.Namespace == ns && policy.Spec.TargetRefs.Any(t =>
                t.Group.Length == 0 && t.Kind == "Service" && t.Name == r.Name && (string.IsNullOrEmpty(t.SectionName) || t.SectionName == portName)))
            {
                yield return policy.Ref;
            }
        }
    }
}
