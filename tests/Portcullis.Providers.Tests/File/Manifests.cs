namespace Portcullis.Providers.Tests.File;

internal static class Manifests
{
    public static string Service(string name, int port = 80, string? ns = null, string labels = "{}") => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {{name}}
          labels: {{labels}}
        {{(ns is null ? "" : $"  namespace: {ns}")}}
        spec:
          ports:
            - port: {{port}}
        """;

    public static string Gateway(string name, int port = 80) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: {{name}}
        spec:
          gatewayClassName: portcullis
          listeners:
            - name: http
              protocol: HTTP
              port: {{port}}
        """;

    public const string Broken = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          ports:
            - port: not-a-port
        """;
}
