namespace Portcullis.DataPlane.Tests.TestSupport;

using Portcullis.Ir;

/// <summary>Short builders for IR fixtures.</summary>
internal static class Configs
{
    public static GatewayConfig Of(params ListenerConfig[] listeners) => new(listeners);

    public static ListenerConfig Http(int port, params RouteConfig[] routes) => Http("default/gw/http", port, null, routes);

    public static ListenerConfig Http(string name, int port, string? hostname, params RouteConfig[] routes) =>
        new(name, "127.0.0.1", port, ListenerProtocol.Http, hostname, EquatableArray<TlsCertificate>.Empty, routes);

    public static ListenerConfig Https(string name, int port, string? hostname, TlsCertificate[] certificates, params RouteConfig[] routes) =>
        new(name, "127.0.0.1", port, ListenerProtocol.Https, hostname, certificates, routes);

    public static RouteConfig Route(string host, string prefix, RouteAction action) =>
        Route($"default/r/{host}{prefix}", host, new PathMatch(PathMatchType.PathPrefix, prefix), action);

    public static RouteConfig Route(string name, string host, PathMatch path, RouteAction action, string? method = null) =>
        new(name, host, path, EquatableArray<HeaderMatch>.Empty, EquatableArray<QueryParamMatch>.Empty, method, action);

    public static RouteAction To(params WeightedBackend[] backends) => new(backends);
}
