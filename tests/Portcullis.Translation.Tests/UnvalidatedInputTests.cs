namespace Portcullis.Translation.Tests;

using System.Text.Json;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Serialization;
using YamlDotNet.RepresentationModel;

/// <summary>
/// Input the API server (and the manifest reader) refuses, so no golden fixture can hold it, yet the
/// translator still meets it from a cluster whose CRDs predate the CEL rules. These objects are
/// deserialized directly, skipping validation, to keep that defensive behaviour tested.
/// </summary>
public class UnvalidatedInputTests
{
    private const string GatewayClassYaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: { name: portcullis }
        spec: { controllerName: portcullis.dev/gateway-controller }
        """;

    [Fact]
    public void Translate_ServiceBackendRefWithoutPort_RefIsInvalidWithUnsupportedValue()
    {
        var result = Translate(
            Parse<GatewayClass>(GatewayClassYaml),
            Parse<Service>("""
                apiVersion: v1
                kind: Service
                metadata: { name: echo, namespace: default }
                spec: { clusterIP: 127.0.0.1, ports: [{ port: 80 }] }
                """),
            Parse<Gateway>("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: { name: gw, namespace: default }
                spec:
                  gatewayClassName: portcullis
                  listeners: [{ name: http, protocol: HTTP, port: 80 }]
                """),
            Parse<HttpRoute>("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: { name: r, namespace: default }
                spec:
                  parentRefs: [{ name: gw }]
                  rules: [{ backendRefs: [{ name: echo }] }]
                """));

        var parent = Assert.Single(result.Status.HttpRoutes[new ObjectRef(HttpRoute.KindName, "default", "r")].Parents);
        var resolved = Assert.Single(parent.Conditions, c => c.Type == "ResolvedRefs");
        Assert.Equal(("False", "UnsupportedValue"), (resolved.Status, resolved.Reason));
        var route = Assert.Single(Assert.Single(result.Config.Listeners).Routes);
        Assert.True(Assert.Single(route.Action.Backends).Invalid);
    }

    [Fact]
    public void Translate_HttpsListenerWithPassthrough_IsNotAcceptedAsUnsupportedProtocol()
    {
        var result = Translate(
            Parse<GatewayClass>(GatewayClassYaml),
            Parse<Gateway>("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: { name: gw, namespace: default }
                spec:
                  gatewayClassName: portcullis
                  listeners:
                    - { name: http, protocol: HTTP, port: 80 }
                    - { name: passthrough, protocol: HTTPS, port: 443, tls: { mode: Passthrough } }
                """));

        var listeners = result.Status.Gateways[new ObjectRef("Gateway", "default", "gw")].Listeners;
        var accepted = Assert.Single(Assert.Single(listeners, l => l.Name == "passthrough").Conditions, c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedProtocol"), (accepted.Status, accepted.Reason));
        Assert.Equal(80, Assert.Single(result.Config.Listeners).Port);
    }

    [Theory]
    [InlineData("[{ type: RequestHeaderModifier, requestHeaderModifier: {} }, { type: RequestHeaderModifier, requestHeaderModifier: {} }]", "IncompatibleFilters")]
    [InlineData("[{ type: RequestRedirect, requestRedirect: {} }, { type: URLRewrite, urlRewrite: {} }]", "IncompatibleFilters")]
    [InlineData("[{ type: RequestRedirect, requestRedirect: { scheme: ftp } }]", "UnsupportedValue")]
    [InlineData("[{ type: RequestRedirect, requestRedirect: { statusCode: 304 } }]", "UnsupportedValue")]
    [InlineData("[{ type: URLRewrite, urlRewrite: { path: { type: ReplaceSomething } } }]", "UnsupportedValue")]
    [InlineData("[{ type: Teleport }]", "UnsupportedValue")]
    public void Translate_FiltersTheCrdForbids_RouteNotAcceptedAndRuleAnswers500(string filters, string reason)
    {
        var (accepted, action) = TranslateRule($"filters: {filters}");

        Assert.Equal(("False", reason), (accepted.Status, accepted.Reason));
        Assert.Equal(500, action.DirectResponse?.StatusCode);
    }

    [Theory]
    [InlineData("{ request: 10x }")]
    [InlineData("{ backendRequest: 1.5s }")]
    [InlineData("{ request: 1s, backendRequest: 2s }")]
    public void Translate_InvalidTimeouts_RouteNotAcceptedAndRuleAnswers500(string timeouts)
    {
        var (accepted, action) = TranslateRule($"timeouts: {timeouts}");

        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Equal(500, action.DirectResponse?.StatusCode);
    }

    [Fact]
    public void Translate_ZeroRequestTimeout_DisablesItAndKeepsBackendRequest()
    {
        var (accepted, action) = TranslateRule("timeouts: { request: 0s, backendRequest: 5s }");

        Assert.Equal("True", accepted.Status);
        Assert.Equal(new Ir.RouteTimeouts(null, TimeSpan.FromSeconds(5)), action.Timeouts);
    }

    /// <summary>One route with one rule (backendRef echo:80 plus <paramref name="ruleYaml"/>): its Accepted condition and IR action.</summary>
    private static (Condition Accepted, Ir.RouteAction Action) TranslateRule(string ruleYaml)
    {
        var result = Translate(
            Parse<GatewayClass>(GatewayClassYaml),
            Parse<Service>("""
                apiVersion: v1
                kind: Service
                metadata: { name: echo, namespace: default }
                spec: { clusterIP: 127.0.0.1, ports: [{ port: 80 }] }
                """),
            Parse<Gateway>("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: { name: gw, namespace: default }
                spec:
                  gatewayClassName: portcullis
                  listeners: [{ name: http, protocol: HTTP, port: 80 }]
                """),
            Parse<HttpRoute>($$"""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: { name: r, namespace: default }
                spec:
                  parentRefs: [{ name: gw }]
                  rules:
                    - backendRefs: [{ name: echo, port: 80 }]
                      {{ruleYaml}}
                """));

        var parent = Assert.Single(result.Status.HttpRoutes[new ObjectRef(HttpRoute.KindName, "default", "r")].Parents);
        var route = Assert.Single(Assert.Single(result.Config.Listeners).Routes);
        return (Assert.Single(parent.Conditions, c => c.Type == "Accepted"), route.Action);
    }

    private static TranslationResult Translate(params KubernetesObject[] objects) =>
        Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions());

    private static T Parse<T>(string yaml)
        where T : KubernetesObject
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Yaml.ToJson(stream.Documents[0].RootNode).Deserialize<T>(KubeJson.Strict)!;
    }
}
