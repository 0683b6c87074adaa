namespace Portcullis.Model.Manifests;

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

/// <summary>
/// The API server's built-in validation for the core kinds Portcullis reads (only the parts that matter for
/// serving), and the object-name rules that apply to every kind. Field types are checked later by typed reading.
/// </summary>
internal static partial class CoreRules
{
    private const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string Dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];

    /// <summary>metadata.name and metadata.namespace: Namespace names are labels, Service names DNS-1035 labels, the rest subdomains.</summary>
    public static void ValidateMetadata(string kind, JsonObject json, List<(string Path, string Message)> errors)
    {
        var name = Str(json["metadata"]?["name"]) ?? "";
        var nameError = kind switch
        {
            "Namespace" => Dns1123Label(name),
            "Service" => Dns1035Label(name),
            _ => Dns1123Subdomain(name),
        };
        if (nameError is not null)
        {
            errors.Add(("metadata.name", $"Invalid value: {Quote(name)}: {nameError}"));
        }

        if (Str(json["metadata"]?["namespace"]) is { } ns && Dns1123Label(ns) is { } nsError)
        {
            errors.Add(("metadata.namespace", $"Invalid value: {Quote(ns)}: {nsError}"));
        }
    }

    public static void Validate(string kind, JsonObject json, List<(string Path, string Message)> errors)
    {
        switch (kind)
        {
            case "Secret":
                ValidateSecret(json, errors);
                break;
            case "ConfigMap":
                ValidateConfigMap(json, errors);
                break;
            case "Service":
                ValidateService(json, errors);
                break;
            case "EndpointSlice":
                ValidateEndpointSlice(json, errors);
                break;
        }
    }

    private static void ValidateSecret(JsonObject json, List<(string Path, string Message)> errors)
    {
        var data = json["data"] as JsonObject;
        var stringData = json["stringData"] as JsonObject;
        foreach (var (key, value) in data ?? [])
        {
            if (CheckConfigKey($"data.{key}", key, errors) && (Str(value) is not { } text || !IsBase64(text)))
            {
                errors.Add(($"data.{key}", "Invalid value: data values must be base64-encoded (use stringData for plain text)"));
            }
        }

        if (Str(json["type"]) == Core.Secret.TlsType)
        {
            foreach (var key in (string[])[Core.Secret.TlsCertKey, Core.Secret.TlsPrivateKeyKey])
            {
                if (data?.ContainsKey(key) != true && stringData?.ContainsKey(key) != true)
                {
                    errors.Add(($"data.{key}", "Required value"));
                }
            }
        }
    }

    private static void ValidateConfigMap(JsonObject json, List<(string Path, string Message)> errors)
    {
        var data = json["data"] as JsonObject;
        foreach (var (key, _) in data ?? [])
        {
            CheckConfigKey($"data.{key}", key, errors);
        }

        foreach (var (key, value) in json["binaryData"] as JsonObject ?? [])
        {
            if (!CheckConfigKey($"binaryData.{key}", key, errors))
            {
                continue;
            }

            if (Str(value) is not { } text || !IsBase64(text))
            {
                errors.Add(($"binaryData.{key}", "Invalid value: binaryData values must be base64-encoded"));
            }
            else if (data?.ContainsKey(key) == true)
            {
                errors.Add(($"data.{key}", $"Invalid value: {Quote(key)}: duplicate of key present in binaryData"));
            }
        }
    }

    /// <summary>Secret and ConfigMap keys: what a file name in a mounted volume may be.</summary>
    private static bool CheckConfigKey(string path, string key, List<(string Path, string Message)> errors)
    {
        if (ConfigKey().IsMatch(key) && key.Length <= 253)
        {
            return true;
        }

        errors.Add((path, $"Invalid value: {Quote(key)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
        return false;
    }

    private static bool IsBase64(string text)
    {
        // Kubernetes decodes with Go's StdEncoding: padding required, no whitespace inside. Checked without decoding:
        // every Secret's data is decoded once more by typed reading anyway.
        if (text.Length % 4 != 0)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        return System.Buffers.Text.Base64.IsValid(text);
    }

    private static void ValidateService(JsonObject json, List<(string Path, string Message)> errors)
    {
        var ports = json["spec"]?["ports"] as JsonArray ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i] is not JsonObject port)
            {
                continue;
            }

            var path = $"spec.ports[{i}]";
            CheckPort(port["port"], $"{path}.port", required: true, errors);
            CheckProtocol(port["protocol"], $"{path}.protocol", errors);
            var name = Str(port["name"]);
            if (ports.Count > 1 && string.IsNullOrEmpty(name))
            {
                errors.Add(($"{path}.name", "Required value"));
            }
            else if (!string.IsNullOrEmpty(name) && !names.Add(name))
            {
                errors.Add(($"{path}.name", $"Duplicate value: {Quote(name)}"));
            }

            switch (port["targetPort"])
            {
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                    CheckPort(v, $"{path}.targetPort", required: false, errors);
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.String && IanaServiceName(v.GetValue<string>()) is { } why:
                    errors.Add(($"{path}.targetPort", $"Invalid value: {Quote(v.GetValue<string>())}: {why}"));
                    break;
            }
        }
    }

    private static void ValidateEndpointSlice(JsonObject json, List<(string Path, string Message)> errors)
    {
        var addressType = Str(json["addressType"]);
        if (addressType is null)
        {
            errors.Add(("addressType", "Required value"));
        }
        else if (addressType is not ("IPv4" or "IPv6" or "FQDN"))
        {
            errors.Add(("addressType", $"Unsupported value: {Quote(addressType)}: supported values: \"FQDN\", \"IPv4\", \"IPv6\""));
        }

        var endpoints = json["endpoints"] as JsonArray ?? [];
        for (var i = 0; i < endpoints.Count; i++)
        {
            var addresses = endpoints[i]?["addresses"] as JsonArray ?? [];
            if (addresses.Count is 0 or > 100)
            {
                errors.Add(($"endpoints[{i}].addresses", addresses.Count == 0 ? "Required value" : $"Too many: {addresses.Count}: must have at most 100 items"));
            }

            for (var a = 0; a < addresses.Count; a++)
            {
                if (Str(addresses[a]) is { } address && AddressError(addressType, address) is { } why)
                {
                    errors.Add(($"endpoints[{i}].addresses[{a}]", $"Invalid value: {Quote(address)}: {why}"));
                }
            }
        }

        var ports = json["ports"] as JsonArray ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i] is JsonObject port)
            {
                CheckPort(port["port"], $"ports[{i}].port", required: false, errors);
                CheckProtocol(port["protocol"], $"ports[{i}].protocol", errors);
            }
        }
    }

    private static string? AddressError(string? addressType, string address) => addressType switch
    {
        "IPv4" => IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && address.Count(c => c == '.') == 3
            ? null : "must be a valid IPv4 address",
        "IPv6" => IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? null : "must be a valid IPv6 address",
        "FQDN" => Dns1123Subdomain(address),
        _ => null,
    };

    private static void CheckPort(JsonNode? node, string path, bool required, List<(string Path, string Message)> errors)
    {
        if (node is null)
        {
            if (required)
            {
                errors.Add((path, "Required value"));
            }

            return;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) is var port && (port < 1 || port > 65535))
        {
            errors.Add((path, $"Invalid value: {v.ToJsonString()}: must be between 1 and 65535, inclusive"));
        }
    }

    private static void CheckProtocol(JsonNode? node, string path, List<(string Path, string Message)> errors)
    {
        if (Str(node) is { } protocol && !Protocols.Contains(protocol))
        {
            errors.Add((path, $"Unsupported value: {Quote(protocol)}: supported values: \"SCTP\", \"TCP\", \"UDP\""));
        }
    }

    /// <summary>IANA_SVC_NAME: at most 15 characters, a-z0-9 and '-', at least one letter, no leading, trailing or double '-'.</summary>
    private static string? IanaServiceName(string name) =>
        name.Length is 0 or > 15 ? "must be no more than 15 characters"
        : !PortName().IsMatch(name) ? "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
        : name.Contains("--", StringComparison.Ordinal) ? "must not contain consecutive hyphens"
        : name.StartsWith('-') || name.EndsWith('-') ? "must not begin or end with a hyphen"
        : !name.Any(char.IsAsciiLetter) ? "must contain at least one letter (a-z)"
        : null;

    internal static string? Dns1123Subdomain(string value) =>
        value.Length > 253 ? "must be no more than 253 characters"
        : Subdomain().IsMatch(value) ? null : Dns1123SubdomainMessage;

    internal static string? Dns1123Label(string value) =>
        value.Length > 63 ? "must be no more than 63 characters"
        : Label().IsMatch(value) ? null : Dns1123LabelMessage;

    private static string? Dns1035Label(string value) =>
        value.Length > 63 ? "must be no more than 63 characters"
        : Dns1035().IsMatch(value) ? null : Dns1035LabelMessage;

    private static string Quote(string s) => SchemaValidator.Render(JsonValue.Create(s));

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Subdomain();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Label();

    [GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035();

    [GeneratedRegex(@"^[-._a-zA-Z0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigKey();

    [GeneratedRegex(@"^[-a-z0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex PortName();
}
