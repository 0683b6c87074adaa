namespace Portcullis.Translation.Addressing;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

/// <summary>
/// The name of the Deployment, Service and ServiceAccount provisioned for a Gateway: `portcullis-NAME`.
/// Shared by the translator (which reads the Service's address) and the provisioner (which creates it).
/// </summary>
public static class ProvisionedNames
{
    private const string Prefix = "portcullis-";

    // A Service name is a DNS-1035 label (63 characters, no dots); a Gateway name may be a 253-character subdomain.
    private const int MaxLength = 63;

    public static string For(string gatewayName)
    {
        ArgumentNullException.ThrowIfNull(gatewayName);
        var name = Prefix + gatewayName.Replace('.', '-');
        if (name.Length <= MaxLength && !gatewayName.Contains('.', StringComparison.Ordinal))
        {
            return name;
        }

        // Long names keep a readable head and a hash of the whole name, so two long names never collide; so do
        // names with dots, or "a.b" and "a-b" (two Gateways) would share one Deployment and Service.
        return WithHash(name, gatewayName, MaxLength, '-');
    }

    /// <summary>
    /// <paramref name="text"/> cut so that "-" and 8 hex digits of the SHA-256 of <paramref name="source"/> fit in
    /// <paramref name="maxLength"/>, with <paramref name="trim"/> characters removed from the cut's end, then the hash.
    /// </summary>
    public static string WithHash(string text, string source, int maxLength, params char[] trim)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..8];
        var head = text[..Math.Min(text.Length, maxLength - hash.Length - 1)].TrimEnd(trim);
        return string.Create(CultureInfo.InvariantCulture, $"{head}-{hash}");
    }
}
