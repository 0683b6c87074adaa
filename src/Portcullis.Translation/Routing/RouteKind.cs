namespace Portcullis.Translation.Routing;

using Portcullis.Ir;
using Portcullis.Model.GatewayApi;

/// <summary>
/// What differs between the route kinds that share HTTP and HTTPS listeners: the kind named in
/// ReferenceGrants and messages, and how backends are spoken to when their appProtocol says nothing.
/// </summary>
internal sealed record RouteKind(string Name, BackendProtocol DefaultProtocol)
{
    public static RouteKind Http { get; } = new(HttpRoute.KindName, BackendProtocol.Http1);

    /// <summary>gRPC needs HTTP/2 end to end, so its backends get h2c without declaring kubernetes.io/h2c (as in Envoy Gateway).</summary>
    public static RouteKind Grpc { get; } = new(GrpcRoute.KindName, BackendProtocol.H2c);
}
