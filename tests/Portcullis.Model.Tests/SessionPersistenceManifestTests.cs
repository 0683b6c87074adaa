namespace Portcullis.Model.Tests;

using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;
using static Portcullis.Model.Tests.ManifestDefaultingTests;

public class SessionPersistenceManifestTests
{
    [Fact]
    public void Read_HttpRouteRuleSessionPersistence_GetsTheExperimentalSchemaDefaults()
    {
        var route = ReadOne<HttpRoute>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: r
            spec:
              rules:
                - backendRefs: [{ name: svc, port: 80 }]
                  sessionPersistence:
                    cookieConfig: {}
            """);

        var session = Assert.Single(route.Spec.Rules).SessionPersistence;
        Assert.NotNull(session);
        Assert.Equal(SessionPersistenceTypes.Cookie, session.Type);
        Assert.Equal(CookieLifetimeTypes.Session, session.CookieConfig?.LifetimeType);
    }

    [Fact]
    public void Read_GrpcRouteRuleSessionPersistence_IsRead()
    {
        var route = ReadOne<GrpcRoute>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata:
              name: r
            spec:
              rules:
                - sessionPersistence: { type: Header, sessionName: x-session }
            """);

        Assert.Equal("x-session", Assert.Single(route.Spec.Rules).SessionPersistence?.SessionName);
    }

    [Fact]
    public void Read_BackendLbPolicyV1Alpha2_IsRead()
    {
        var policy = ReadOne<BackendLbPolicy>("""
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: BackendLBPolicy
            metadata:
              name: p
            spec:
              targetRefs: [{ group: "", kind: Service, name: svc }]
              sessionPersistence: { idleTimeout: 30m }
            """);

        Assert.Equal("svc", Assert.Single(policy.Spec.TargetRefs).Name);
        Assert.Equal("30m", policy.Spec.SessionPersistence?.IdleTimeout);
        Assert.Equal(SessionPersistenceTypes.Cookie, policy.Spec.SessionPersistence?.Type);
    }

    [Fact]
    public void Read_XBackendTrafficPolicy_IsReadWithItsRetryBudgetDefaults()
    {
        var policy = ReadOne<XBackendTrafficPolicy>("""
            apiVersion: gateway.networking.x-k8s.io/v1alpha1
            kind: XBackendTrafficPolicy
            metadata:
              name: p
            spec:
              targetRefs: [{ group: "", kind: Service, name: svc }]
              retryConstraint: {}
            """);

        Assert.Equal((20, "10s"), (policy.Spec.RetryConstraint?.Budget?.Percent, policy.Spec.RetryConstraint?.Budget?.Interval));
    }

    [Fact]
    public void Read_SessionNameLongerThanTheSchemaAllows_IsRejected()
    {
        var result = ManifestReader.Read("test.yaml", $"""
            apiVersion: gateway.networking.x-k8s.io/v1alpha1
            kind: XBackendTrafficPolicy
            metadata:
              name: p
            spec:
              targetRefs: [{"{"} group: "", kind: Service, name: svc {"}"}]
              sessionPersistence: {"{"} sessionName: {new string('a', 129)} {"}"}
            """);

        Assert.Empty(result.Objects);
        Assert.Contains(result.Diagnostics, d => d.FieldPath == "spec.sessionPersistence.sessionName");
    }
}
