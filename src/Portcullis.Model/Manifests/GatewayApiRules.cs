namespace Portcullis.Model.Manifests;

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

/// <summary>
/// Hand-written equivalents of the CRDs' x-kubernetes-validations (CEL) rules that matter for serving traffic.
/// Portcullis has no CEL engine, so each rule is a small validator with the CRD's own message. They run only on
/// documents that passed schema validation, so every field has the type the schema says.
///
/// Not enforced (the translator or nothing catches them): GatewayClass controllerName immutability (no old
/// object exists in standalone mode); Gateway spec.infrastructure label/annotation key rules; HTTPRoute CORS filter
/// rules, requestMirror fraction rules, the "ReplacePrefixMatch needs exactly one PathPrefix match" rules, and timeouts backendRequest &lt;= request (needs Go duration parsing).
/// Listener name uniqueness and spec.tls.frontend.perPort port uniqueness are enforced by the schema's list-map key
/// check (x-kubernetes-list-map-keys).
/// </summary>
internal static partial class GatewayApiRules
{
    private static readonly string[] NoTlsProtocols = ["HTTP", "TCP", "UDP"];

    public static void Validate(string kind, JsonObject json, List<(string Path, string Message)> errors)
    {
        if (json["spec"] is not JsonObject spec)
        {
            return;
        }

        switch (kind)
        {
            case "Gateway":
                ValidateGateway(spec, errors);
                break;
            case "HTTPRoute":
                ValidateHttpRoute(spec, errors);
                break;
            case "GRPCRoute":
                ValidateGrpcRoute(spec, errors);
                break;
            case "ListenerSet":
                ValidateListeners(spec, errors); // a ListenerSet's listeners carry the Gateway's listener rules
                break;
            case "BackendTLSPolicy":
                ValidateBackendTlsPolicy(spec, errors);
                break;
        }
    }

    private static void ValidateGateway(JsonObject spec, List<(string Path, string Message)> errors)
    {
        ValidateListeners(spec, errors);
        ValidateAddresses(spec, errors);
    }

    private static void ValidateListeners(JsonObject spec, List<(string Path, string Message)> errors)
    {
        var listeners = Items(spec["listeners"]);
        var seen = new Dictionary<(long?, string?, string?), int>();
        for (var i = 0; i < listeners.Count; i++)
        {
            var l = listeners[i];
            var path = $"spec.listeners[{i}]";
            var protocol = Str(l["protocol"]);
            var hostname = Str(l["hostname"]);
            var tls = l["tls"] as JsonObject;
            var mode = tls is null ? null : Str(tls["mode"]);

            if (tls is not null && NoTlsProtocols.Contains(protocol))
            {
                errors.Add(($"{path}.tls", "Invalid value: \"object\": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"));
            }

            if (protocol == "HTTPS" && tls is not null && !string.IsNullOrEmpty(mode) && mode != "Terminate")
            {
                errors.Add(($"{path}.tls.mode", $"Invalid value: \"{mode}\": tls mode must be Terminate for protocol HTTPS"));
            }

            if (protocol == "TLS" && string.IsNullOrEmpty(mode))
            {
                errors.Add(($"{path}.tls", "Required value: tls mode must be set for protocol TLS"));
            }

            if (protocol is "TCP" or "UDP" && !string.IsNullOrEmpty(hostname))
            {
                errors.Add(($"{path}.hostname", $"Invalid value: \"{hostname}\": hostname must not be specified for protocols ['TCP', 'UDP']"));
            }

            if (tls is not null && mode == "Terminate" && Items(tls["certificateRefs"]).Count == 0 && (tls["options"] as JsonObject)?.Count is null or 0)
            {
                errors.Add(($"{path}.tls", "Invalid value: \"object\": certificateRefs or options must be specified when mode is Terminate"));
            }

            var key = (Long(l["port"]), protocol, hostname);
            if (!seen.TryAdd(key, i))
            {
                errors.Add((path, $"Invalid value: \"object\": Combination of port, protocol and hostname must be unique for each listener (same as spec.listeners[{seen[key]}])"));
            }
        }
    }

    private static void ValidateAddresses(JsonObject spec, List<(string Path, string Message)> errors)
    {
        var addresses = Items(spec["addresses"]);
        var values = new HashSet<(string?, string?)>();
        for (var i = 0; i < addresses.Count; i++)
        {
            var type = Str(addresses[i]["type"]);
            var value = Str(addresses[i]["value"]);
            if (type == "Hostname" && !string.IsNullOrEmpty(value) && !HostnameValue().IsMatch(value))
            {
                errors.Add(($"spec.addresses[{i}].value", $"Invalid value: \"{value}\": Hostname value must be empty or contain only valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)"));
            }

            if (type is "IPAddress" or "Hostname" && value is not null && !values.Add((type, value)))
            {
                errors.Add(($"spec.addresses[{i}]", $"Invalid value: \"{value}\": {type} values must be unique"));
            }
        }
    }

    private static void ValidateHttpRoute(JsonObject spec, List<(string Path, string Message)> errors) =>
        ValidateRouteRules(spec, errors, (rule, path) =>
        {
            var filters = Items(rule["filters"]);
            if (Items(rule["backendRefs"]).Count > 0 && filters.Any(f => f["requestRedirect"] is not null))
            {
                errors.Add((path, "Invalid value: \"object\": RequestRedirect filter must not be used together with backendRefs"));
            }

            var matches = Items(rule["matches"]);
            for (var m = 0; m < matches.Count; m++)
            {
                if (matches[m]["path"] is JsonObject pathMatch)
                {
                    ValidatePathMatch(pathMatch, $"{path}.matches[{m}].path", errors);
                }
            }
        });

    /// <summary>
    /// The rules HTTPRoute and GRPCRoute share: parentRefs, at most 128 matches in all, then per rule the kind's
    /// own checks (perRule gets the rule and its path) followed by its filters and backendRefs.
    /// </summary>
    private static void ValidateRouteRules(JsonObject spec, List<(string Path, string Message)> errors, Action<JsonObject, string> perRule)
    {
        ValidateParentRefs(spec, errors);
        var rules = Items(spec["rules"]);
        var totalMatches = rules.Sum(r => Items(r["matches"]).Count);
        if (totalMatches > 128)
        {
            errors.Add(("spec.rules", $"Invalid value: {totalMatches}: While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128"));
        }

        for (var r = 0; r < rules.Count; r++)
        {
            var path = $"spec.rules[{r}]";
            perRule(rules[r], path);
            ValidateFilters(Items(rules[r]["filters"]), $"{path}.filters", errors);
            var backendRefs = Items(rules[r]["backendRefs"]);
            for (var b = 0; b < backendRefs.Count; b++)
            {
                ValidateBackendRef(backendRefs[b], $"{path}.backendRefs[{b}]", errors);
                ValidateFilters(Items(backendRefs[b]["filters"]), $"{path}.backendRefs[{b}].filters", errors);
            }
        }
    }

    private static void ValidateParentRefs(JsonObject spec, List<(string Path, string Message)> errors)
    {
        var parents = Items(spec["parentRefs"]);
        for (var i = 0; i < parents.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var (a, b) = (parents[i], parents[j]);
                var sameParent = Str(a["group"]) == Str(b["group"]) && Str(a["kind"]) == Str(b["kind"])
                    && Str(a["name"]) == Str(b["name"]) && (Str(a["namespace"]) ?? "") == (Str(b["namespace"]) ?? "");
                if (!sameParent)
                {
                    continue;
                }

                var (sa, sb) = (Str(a["sectionName"]) ?? "", Str(b["sectionName"]) ?? "");
                if ((sa.Length == 0) != (sb.Length == 0))
                {
                    errors.Add(($"spec.parentRefs[{i}]", "Invalid value: \"object\": sectionName must be specified when parentRefs includes 2 or more references to the same parent"));
                    break; // one line per offending element, however many earlier refs it clashes with
                }
                else if (sa == sb && Long(a["port"]) == Long(b["port"]))
                {
                    errors.Add(($"spec.parentRefs[{i}]", "Invalid value: \"object\": sectionName must be unique when parentRefs includes 2 or more references to the same parent"));
                    break;
                }
            }
        }
    }

    private static void ValidatePathMatch(JsonObject match, string path, List<(string Path, string Message)> errors)
    {
        var type = Str(match["type"]);
        var value = Str(match["value"]) ?? "";
        if (type is not ("Exact" or "PathPrefix"))
        {
            return;
        }

        void Fail(string message) => errors.Add(($"{path}.value", $"Invalid value: {SchemaValidator.Render(JsonValue.Create(value))}: {message}"));

        if (!value.StartsWith('/'))
        {
            Fail("value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']");
        }

        foreach (var bad in (string[])["//", "/./", "/../", "%2f", "%2F", "#"])
        {
            if (value.Contains(bad, StringComparison.Ordinal))
            {
                Fail($"must not contain '{bad}' when type one of ['Exact', 'PathPrefix']");
            }
        }

        foreach (var bad in (string[])["/..", "/."])
        {
            if (value.EndsWith(bad, StringComparison.Ordinal))
            {
                Fail($"must not end with '{bad}' when type one of ['Exact', 'PathPrefix']");
            }
        }

        if (!PathCharacters().IsMatch(value))
        {
            Fail("must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']");
        }
    }

    private static void ValidateBackendRef(JsonObject backendRef, string path, List<(string Path, string Message)> errors)
    {
        if (string.IsNullOrEmpty(Str(backendRef["group"])) && Str(backendRef["kind"]) == "Service" && backendRef["port"] is null)
        {
            errors.Add(($"{path}.port", "Required value: Must have port for Service reference"));
        }
    }

    private static readonly (string Type, string Field)[] FilterFields =
    [
        ("RequestHeaderModifier", "requestHeaderModifier"),
        ("ResponseHeaderModifier", "responseHeaderModifier"),
        ("RequestMirror", "requestMirror"),
        ("RequestRedirect", "requestRedirect"),
        ("URLRewrite", "urlRewrite"),
        ("ExtensionRef", "extensionRef"),
    ];

    private static void ValidateFilters(IReadOnlyList<JsonObject> filters, string path, List<(string Path, string Message)> errors)
    {
        var types = filters.Select(f => Str(f["type"])).ToArray();
        if (types.Contains("RequestRedirect") && types.Contains("URLRewrite"))
        {
            errors.Add((path, "Invalid value: \"array\": May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both"));
        }

        foreach (var once in (string[])["RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"])
        {
            if (types.Count(t => t == once) > 1)
            {
                errors.Add((path, $"Invalid value: \"array\": {once} filter cannot be repeated"));
            }
        }

        for (var i = 0; i < filters.Count; i++)
        {
            var f = filters[i];
            foreach (var (type, field) in FilterFields)
            {
                if (f[field] is not null && types[i] != type)
                {
                    errors.Add(($"{path}[{i}].{field}", $"Invalid value: \"object\": filter.{field} must be nil if the filter.type is not {type}"));
                }
                else if (f[field] is null && types[i] == type)
                {
                    errors.Add(($"{path}[{i}].{field}", $"Required value: filter.{field} must be specified for {type} filter.type"));
                }
            }

            if (f["requestMirror"]?["backendRef"] is JsonObject mirror)
            {
                ValidateBackendRef(mirror, $"{path}[{i}].requestMirror.backendRef", errors);
            }

            ValidatePathModifier(f["requestRedirect"]?["path"] as JsonObject, $"{path}[{i}].requestRedirect.path", errors);
            ValidatePathModifier(f["urlRewrite"]?["path"] as JsonObject, $"{path}[{i}].urlRewrite.path", errors);
        }
    }

    private static void ValidatePathModifier(JsonObject? modifier, string path, List<(string Path, string Message)> errors)
    {
        if (modifier is null)
        {
            return;
        }

        var type = Str(modifier["type"]);
        foreach (var (t, field) in (ReadOnlySpan<(string, string)>)[("ReplaceFullPath", "replaceFullPath"), ("ReplacePrefixMatch", "replacePrefixMatch")])
        {
            var has = modifier[field] is not null;
            if (type == t && !has)
            {
                errors.Add(($"{path}.{field}", $"Required value: {field} must be specified when type is set to '{t}'"));
            }
            else if (has && type != t)
            {
                errors.Add(($"{path}.type", $"Invalid value: \"{type}\": type must be '{t}' when {field} is set"));
            }
        }
    }

    private static List<JsonObject> Items(JsonNode? node) => node is JsonArray a ? a.OfType<JsonObject>().ToList() : [];

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static long? Long(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (long)double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostnameValue();

    [GeneratedRegex(@"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathCharacters();
}
