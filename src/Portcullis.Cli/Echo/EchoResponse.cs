namespace Portcullis.Cli.Echo;

using System.Text;

/// <summary>Where the echo server runs, reported in every answer (echo-basic's Context).</summary>
internal sealed record EchoContext(string Namespace, string Ingress, string Service, string Pod)
{
    public static EchoContext FromEnvironment() => new(
        Environment.GetEnvironmentVariable("NAMESPACE") ?? "",
        Environment.GetEnvironmentVariable("INGRESS_NAME") ?? "",
        Environment.GetEnvironmentVariable("SERVICE_NAME") ?? "",
        Environment.GetEnvironmentVariable("POD_NAME") ?? "");
}

/// <summary>What the echo server saw of one request (echo-basic's RequestAssertions).</summary>
internal sealed record EchoResponse(
    string Path,
    string Host,
    string Method,
    string Proto,
    IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Headers,
    EchoContext Context)
{
    /// <summary>Set for requests that came over TLS; echo-basic then adds a "tls" object (omitted otherwise).</summary>
    public EchoTls? Tls { get; init; }

    /// <summary>The body echo-basic writes: Go's MarshalIndent with a one-space indent, header names sorted, no trailing newline.</summary>
    public string ToJson()
    {
        var sb = new StringBuilder(512);
        sb.Append("{\n");
        Field(sb, "path", Path);
        Field(sb, "host", Host);
        Field(sb, "method", Method);
        Field(sb, "proto", Proto);
        sb.Append(" \"headers\": {");
        if (Headers.Count > 0)
        {
            sb.Append('\n');
            for (var i = 0; i < Headers.Count; i++)
            {
                sb.Append("  ");
                GoJson.WriteString(sb, Headers[i].Key);
                sb.Append(": [\n");
                var values = Headers[i].Value;
                for (var j = 0; j < values.Count; j++)
                {
                    sb.Append("   ");
                    GoJson.WriteString(sb, values[j]);
                    sb.Append(j < values.Count - 1 ? ",\n" : "\n");
                }

                sb.Append("  ]");
                sb.Append(i < Headers.Count - 1 ? ",\n" : "\n");
            }

            sb.Append(' ');
        }

        sb.Append("},\n");
        Field(sb, "namespace", Context.Namespace);
        Field(sb, "ingress", Context.Ingress);
        Field(sb, "service", Context.Service);
        Field(sb, "pod", Context.Pod, last: Tls is null);
        if (Tls is { } tls)
        {
            sb.Append(" \"tls\": {\n");
            sb.Append("  \"version\": ");
            GoJson.WriteString(sb, tls.Version);
            if (tls.PeerCertificates.Count > 0)
            {
                sb.Append(",\n  \"peerCertificates\": [\n");
                for (var i = 0; i < tls.PeerCertificates.Count; i++)
                {
                    sb.Append("   ");
                    GoJson.WriteString(sb, tls.PeerCertificates[i]);
                    sb.Append(i < tls.PeerCertificates.Count - 1 ? ",\n" : "\n");
                }

                sb.Append("  ]");
            }

            sb.Append(",\n  \"serverName\": ");
            GoJson.WriteString(sb, tls.ServerName);
            if (tls.NegotiatedProtocol.Length > 0)
            {
                sb.Append(",\n  \"negotiatedProtocol\": ");
                GoJson.WriteString(sb, tls.NegotiatedProtocol);
            }

            sb.Append(",\n  \"cipherSuite\": ");
            GoJson.WriteString(sb, tls.CipherSuite);
            sb.Append("\n }\n");
        }

        sb.Append('}');
        return sb.ToString();
    }

    private static void Field(StringBuilder sb, string name, string value, bool last = false)
    {
        sb.Append(' ');
        GoJson.WriteString(sb, name);
        sb.Append(": ");
        GoJson.WriteString(sb, value);
        sb.Append(last ? "\n" : ",\n");
    }

    /// <summary>
    /// Go's textproto.CanonicalMIMEHeaderKey: first letter and letters after '-' upper case, the rest lower;
    /// a name with a character that is not a token character is left as it is.
    /// </summary>
    public static string CanonicalHeaderName(string name)
    {
        foreach (var c in name)
        {
            if (!IsTokenChar(c))
            {
                return name;
            }
        }

        return string.Create(name.Length, name, static (span, src) =>
        {
            var upper = true;
            for (var i = 0; i < src.Length; i++)
            {
                var c = src[i];
                span[i] = upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c);
                upper = c == '-';
            }
        });
    }

    private static bool IsTokenChar(char c) =>
        c < 0x7f && (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
