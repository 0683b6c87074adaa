namespace Portcullis.Model.Core;

/// <summary>core/v1 Secret. Data values are decoded from base64 when read.</summary>
public sealed record Secret : KubernetesObject
{
    public const string TlsType = "kubernetes.io/tls";
    public const string TlsCertKey = "tls.crt";
    public const string TlsPrivateKeyKey = "tls.key";

    public string? Type { get; init; }

    public IReadOnlyDictionary<string, byte[]>? Data { get; init; }

    public IReadOnlyDictionary<string, string>? StringData { get; init; }

    /// <summary>The value of a key from data, or stringData as the API server would merge it.</summary>
    public byte[]? Get(string key)
    {
        if (StringData is not null && StringData.TryGetValue(key, out var s))
        {
            return System.Text.Encoding.UTF8.GetBytes(s);
        }

        return Data is not null && Data.TryGetValue(key, out var b) ? b : null;
    }
}
