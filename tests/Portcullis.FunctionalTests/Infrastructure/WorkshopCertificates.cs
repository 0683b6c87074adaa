namespace Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Certificates made exactly as the workshop makes them (steps 6.2 and 6.5): a self-signed CA per domain
/// and a leaf with a CN and no SAN, signed by it.
/// </summary>
internal sealed record WorkshopCertificate(string Domain, string CaCert, string LeafCert, string LeafKey)
{
    public string Host => "www." + Domain;

    public static async Task<WorkshopCertificate> CreateAsync(string directory, string org)
    {
        var domain = org + ".com";
        Directory.CreateDirectory(directory);
        string[][] commands =
        [
            ["req", "-x509", "-sha256", "-nodes", "-days", "365", "-newkey", "rsa:2048", "-subj", $"/O={org} Inc./CN={domain}", "-keyout", $"{domain}.key", "-out", $"{domain}.crt"],
            ["req", "-out", $"www.{domain}.csr", "-newkey", "rsa:2048", "-nodes", "-keyout", $"www.{domain}.key", "-subj", $"/CN=www.{domain}/O={org} organization"],
            ["x509", "-req", "-days", "365", "-CA", $"{domain}.crt", "-CAkey", $"{domain}.key", "-set_serial", "0", "-in", $"www.{domain}.csr", "-out", $"www.{domain}.crt"],
        ];
        foreach (var args in commands)
        {
            var r = await ProcessRunner.RunAsync("openssl", args, workingDirectory: directory);
            if (r.ExitCode != 0)
            {
                throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {r.All}");
            }
        }

        return new WorkshopCertificate(domain, Path.Combine(directory, $"{domain}.crt"),
            Path.Combine(directory, $"www.{domain}.crt"), Path.Combine(directory, $"www.{domain}.key"));
    }

    /// <summary>The Secret `kubectl create secret tls NAME --cert --key --dry-run=client -o yaml` prints.</summary>
    public string SecretYaml(string name) => $"""
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata:
          name: {name}
        data:
          tls.crt: {Convert.ToBase64String(File.ReadAllBytes(LeafCert))}
          tls.key: {Convert.ToBase64String(File.ReadAllBytes(LeafKey))}
        """;
}
