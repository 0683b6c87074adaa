namespace Portcullis.Kubernetes.TestServer;

/// <summary>One request the test API server received, for assertions such as "only the status subresource was patched".</summary>
/// <param name="Method">HTTP method, e.g. PATCH.</param>
/// <param name="PathAndQuery">Path plus query string as sent, e.g. <c>/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/g/status</c>.</param>
/// <param name="ContentType">The request's Content-Type, or null without a body.</param>
/// <param name="Accept">The request's Accept header, or null (shows e.g. that kubectl asked for aggregated discovery).</param>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, string? Accept = null);
