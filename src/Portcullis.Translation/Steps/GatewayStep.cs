namespace Portcullis.Translation.Steps;

using Portcullis.Ir;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Addressing;
using Portcullis.Translation.Status;
using Portcullis.Translation.Tls;

/// <summary>
/// Takes in the Gateways of our accepted classes and judges each listener on its own: protocol,
/// allowed route kinds and certificates. A bad certificateRef costs only that certificate.
/// </summary>
internal sealed class GatewayStep : ITranslationStep
{
    private const string TerminateMode = "Terminate";
    private const string PassthroughMode = "Passthrough";

    public void Run(TranslationContext context)
    {
        PrevalidateCertificates(context);
        foreach (var gateway in context.Snapshot.Gateways)
        {
            if (!context.AcceptedClasses.ContainsKey(gateway.Spec.GatewayClassName))
            {
                continue; // another controller's Gateway, or a class we did not accept
            }

            var state = new GatewayState(gateway);
            if (gateway.Spec.Infrastructure?.ParametersRef is { } p && !ParametersReferences.IsOurs(context.Options, p.Group, p.Kind, null, namespaced: false))
            {
                state.InvalidParameters = $"spec.infrastructure.parametersRef {p.Group}/{p.Kind} {p.Name}: {ParametersReferences.Supported(context.Options)}";
            }

            state.Listeners.Capacity = gateway.Spec.Listeners.Count;
            foreach (var listener in gateway.Spec.Listeners)
            {
                state.Listeners.Add(JudgeListener(context, state, listener));
            }

            FrontendValidation.Apply(context, state);

            context.Gateways.Add(state);
        }
    }

    /// <summary>Judges one listener on its own; ListenerSetStep judges a ListenerSet's listeners with it too.</summary>
    internal static ListenerState JudgeListener(TranslationContext context, GatewayState gateway, Listener spec, ListenerSetState? set = null)
    {
        var l = new ListenerState(gateway, spec, set);
        switch (spec.Protocol)
        {
            case ListenerProtocols.Http:
                l.Protocol = ListenerProtocol.Http;
                break;
            case ListenerProtocols.Https when spec.Tls?.Mode is null or TerminateMode:
                l.Protocol = ListenerProtocol.Https;
                break;
            case ListenerProtocols.Https:
                l.UnsupportedMessage = $"tls.mode {spec.Tls?.Mode} is not supported on HTTPS listeners; use Terminate";
                break;
            case ListenerProtocols.Tls when spec.Tls?.Mode is null or TerminateMode or PassthroughMode:
                l.Protocol = ListenerProtocol.Tls;
                l.TlsMode = spec.Tls?.Mode == PassthroughMode ? TlsMode.Passthrough : TlsMode.Terminate;
                break;
            case ListenerProtocols.Tls:
                l.UnsupportedMessage = $"tls.mode {spec.Tls?.Mode} is not supported on TLS listeners; use Passthrough or Terminate";
                break;
            case ListenerProtocols.Tcp:
                l.Protocol = ListenerProtocol.Tcp;
                break;
            case ListenerProtocols.Udp:
                l.Protocol = ListenerProtocol.Udp;
                break;
            default:
                l.UnsupportedMessage = $"protocol {spec.Protocol} is not supported; supported protocols are HTTP, HTTPS, TLS, TCP and UDP";
                break;
        }

        if (l.Protocol is null)
        {
            return l;
        }

        JudgeKinds(l);

        // A passthrough listener never holds a key: the spec says its certificateRefs are ignored.
        if (l.TerminatesTls)
        {
            ResolveCertificates(context, l);
        }

        return l;
    }

    private static void JudgeKinds(ListenerState l)
    {
        var allowed = RouteKindsFor(l.Protocol!.Value);
        var kinds = l.Spec.AllowedRoutes?.Kinds;
        if (kinds is null || kinds.Count == 0)
        {
            l.SupportAll(DefaultKinds(l.Protocol!.Value));
            return;
        }

        foreach (var k in kinds)
        {
            if (SnapshotIndex.IsGatewayApiGroup(k.Group) && allowed.Contains(k.Kind))
            {
                if (!l.Allows(k.Kind))
                {
                    l.Support(new RouteGroupKind { Group = GatewayApiGroup.Name, Kind = k.Kind });
                }
            }
            else
            {
                l.AddRefError(ListenerReasons.InvalidRouteKinds,
                    $"route kind {k.Group ?? GatewayApiGroup.Name}/{k.Kind} is not supported on {l.Spec.Protocol} listeners");
            }
        }
    }

    /// <summary>
    /// The route kinds a listener of the protocol can serve, in the order supportedKinds lists them.
    /// HTTP and HTTPS serve GRPCRoute too: gRPC rides on HTTP/2 like HTTPRoute.
    /// </summary>
    private static string[] RouteKindsFor(ListenerProtocol protocol) => protocol switch
    {
        ListenerProtocol.Tls => TlsKinds,
        ListenerProtocol.Tcp => TcpKinds,
        ListenerProtocol.Udp => UdpKinds,
        _ => HttpKinds,
    };

    /// <summary>supportedKinds of a listener that does not restrict them: shared (immutable) records, not new ones per listener.</summary>
    private static RouteGroupKind[] DefaultKinds(ListenerProtocol protocol) => protocol switch
    {
        ListenerProtocol.Tls => DefaultTlsKinds,
        ListenerProtocol.Tcp => DefaultTcpKinds,
        ListenerProtocol.Udp => DefaultUdpKinds,
        _ => DefaultHttpKinds,
    };

    private static readonly string[] TlsKinds = [TlsRoute.KindName];
    private static readonly string[] TcpKinds = [TcpRoute.KindName];
    private static readonly string[] UdpKinds = [UdpRoute.KindName];
    private static readonly string[] HttpKinds = [HttpRoute.KindName, GrpcRoute.KindName];
    private static readonly RouteGroupKind[] DefaultTlsKinds = Kinds(TlsKinds);
    private static readonly RouteGroupKind[] DefaultTcpKinds = Kinds(TcpKinds);
    private static readonly RouteGroupKind[] DefaultUdpKinds = Kinds(UdpKinds);
    private static readonly RouteGroupKind[] DefaultHttpKinds = Kinds(HttpKinds);

    private static RouteGroupKind[] Kinds(string[] kinds) => [.. kinds.Select(kind => new RouteGroupKind { Group = GatewayApiGroup.Name, Kind = kind })];

    private static void ResolveCertificates(TranslationContext context, ListenerState l)
    {
        var gwNs = l.OwnerNamespace;
        var refs = l.Spec.Tls?.CertificateRefs ?? [];
        if (refs.Count == 0)
        {
            l.AddRefError(ListenerReasons.InvalidCertificateRef, l.Protocol == ListenerProtocol.Https
                ? "an HTTPS listener needs at least one tls.certificateRefs entry"
                : "a TLS listener in mode Terminate needs at least one tls.certificateRefs entry");
            return;
        }

        for (var i = 0; i < refs.Count; i++)
        {
            var r = refs[i];
            var ns = r.Namespace ?? gwNs;
            var group = r.Group ?? "";
            var kind = r.Kind ?? "Secret";
            if (group.Length != 0 || kind != "Secret")
            {
                l.AddRefError(ListenerReasons.InvalidCertificateRef, $"certificateRef {group}/{kind} {ns}/{r.Name}: only core Secrets are supported");
                continue;
            }

            if (!context.Index.ReferencePermitted(GatewayApiGroup.Name, l.OwnerKind, gwNs, "", "Secret", ns, r.Name))
            {
                l.AddRefError(ListenerReasons.RefNotPermitted,
                    $"certificateRef Secret {ns}/{r.Name}: no ReferenceGrant in namespace {ns} allows {l.OwnerKind}s from namespace {gwNs} to refer to it");
                continue;
            }

            var secret = context.Index.Secret(ns, r.Name);
            var judged = secret is null ? null : JudgeSecret(context, secret);
            if (judged?.Certificate is not { } certificate)
            {
                l.AddRefError(ListenerReasons.InvalidCertificateRef, $"certificateRef Secret {ns}/{r.Name}: {judged?.Check.Error ?? "does not exist"}");
                continue;
            }

            l.Certificates.Add(certificate);
        }
    }

    /// <summary>
    /// Whether a Secret holds a usable kubernetes.io/tls pair (listener certificates, the backend client certificate), and
    /// its IR certificate named "namespace/name": once per Secret object per translation, and with a cache once for as long
    /// as the Secret is the same object.
    /// </summary>
    internal static SecretCertificate JudgeSecret(TranslationContext context, Secret secret)
    {
        if (context.TryGetJudged(secret, out var judged))
        {
            return judged;
        }

        if (context.Cache?.Certificates.TryGetPrevious(secret, out judged) == true)
        {
            context.Cache.ReusedCertificates++;
        }
        else
        {
            judged = Judge(context.CertificateChecks, secret);
        }

        context.Judged(secret, judged);
        return judged;
    }

    private static SecretCertificate Judge(CertificateCheckCache checks, Secret secret)
    {
        if (secret.Type != Secret.TlsType)
        {
            return new(new($"is of type {secret.Type ?? "Opaque"}, not {Secret.TlsType}", []), null);
        }

        var cert = secret.Get(Secret.TlsCertKey);
        var key = secret.Get(Secret.TlsPrivateKeyKey);
        if (cert is null || cert.Length == 0)
        {
            return new(new($"has no {Secret.TlsCertKey}", []), null);
        }

        if (key is null || key.Length == 0)
        {
            return new(new($"has no {Secret.TlsPrivateKeyKey}", []), null);
        }

        var check = checks.Check(cert, key);
        return check.Error is not null ? new(check, null)
            : new(check, new TlsCertificate($"{secret.Metadata.Namespace ?? ""}/{secret.Metadata.Name}", new PrivateBytes(cert), new PrivateBytes(key), check.DnsNames));
    }

    /// <summary>
    /// Validates, across cores, every distinct TLS Secret that a listener of ours refers to, so the sequential pass
    /// above finds them judged. With a cache, a Secret that is the same object as in the previous translation is not
    /// looked at again; one with known content costs a hash.
    /// </summary>
    private static void PrevalidateCertificates(TranslationContext context)
    {
        var pending = new List<Secret>();
        var seen = new HashSet<Secret>(ReferenceEqualityComparer.Instance); // the pending ones: judged ones are found judged
        // Index loops: foreach over an IReadOnlyList boxes an enumerator, once per listener of 10,000.
        foreach (var gateway in context.Snapshot.Gateways)
        {
            if (!context.AcceptedClasses.ContainsKey(gateway.Spec.GatewayClassName))
            {
                continue;
            }

            var listeners = gateway.Spec.Listeners;
            for (var l = 0; l < listeners.Count; l++)
            {
                var refs = listeners[l].Tls?.CertificateRefs ?? [];
                for (var i = 0; i < refs.Count; i++)
                {
                    var r = refs[i];
                    var secret = context.Index.Secret(r.Namespace ?? gateway.Metadata.Namespace ?? "", r.Name);
                    if (secret is not { Type: Secret.TlsType } || context.TryGetJudged(secret, out _))
                    {
                        continue;
                    }

                    if (context.Cache?.Certificates.TryGetPrevious(secret, out var known) == true)
                    {
                        context.Cache.ReusedCertificates++;
                        context.Judged(secret, known);
                    }
                    else if (seen.Add(secret))
                    {
                        pending.Add(secret);
                    }
                }
            }
        }

        // The result is the same whichever thread validates what: each Secret's check depends on its content alone.
        var judged = new SecretCertificate[pending.Count];
        if (pending.Count > 1)
        {
            Parallel.For(0, pending.Count, i => judged[i] = Judge(context.CertificateChecks, pending[i]));
        }
        else if (pending.Count == 1)
        {
            judged[0] = Judge(context.CertificateChecks, pending[0]);
        }

        for (var i = 0; i < pending.Count; i++)
        {
            context.Judged(pending[i], judged[i]);
        }
    }
}
