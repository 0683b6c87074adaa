namespace Portcullis.Model.Core;

/// <summary>core/v1 ConfigMap: CA bundles for client-certificate and backend TLS validation. binaryData values are decoded from base64 when read.</summary>
public sealed record ConfigMap : KubernetesObject
{
    /// <summary>The key Gateway API names for a PEM CA bundle (caCertificateRefs, BackendTLSPolicy).</summary>
    public const string CaCertKey = "ca.crt";

    public IReadOnlyDictionary<string, string>? Data { get; init; }

    public IReadOnlyDictionary<string, byte[]>? BinaryData { get; init; }

    public bool? Immutable { get; init; }

    /// <summary>The value of a key from data (UTF-8) or binaryData; the API server forbids a key in both.</summary>
    public byte[]? Get(string key)
    {
        if (Data is not null && Data.TryGetValue(key, out var s))
        {
            return System.Text.Encoding.UTF8.GetBytes(s);
        }

        return BinaryData is not null && BinaryData.TryGetValue(key, out var b) ? b : null;
    }
}
