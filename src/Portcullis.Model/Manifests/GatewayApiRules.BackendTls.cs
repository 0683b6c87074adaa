namespace Portcullis.Model.Manifests;

using System.Text.Json.Nodes;

/// <summary>The BackendTLSPolicy CRD's CEL rules (v1 and v1alpha3 share them), with the CRD's messages.</summary>
internal static partial class GatewayApiRules
{
    private static void ValidateBackendTlsPolicy(JsonObject spec, List<(string Path, string Message)> errors)
    {
        var targets = Items(spec["targetRefs"]);
        for (var i = 0; i < targets.Count; i++)
        {
            var sameTarget = targets.Where(t => Str(t["group"]) == Str(targets[i]["group"]) && Str(t["kind"]) == Str(targets[i]["kind"])
                && Str(t["name"]) == Str(targets[i]["name"])).ToList();
            if (sameTarget.Count < 2)
            {
                continue;
            }

            if (sameTarget.Any(t => string.IsNullOrEmpty(Str(t["sectionName"]))))
            {
                errors.Add(("spec.targetRefs", "Invalid value: \"array\": sectionName must be specified when targetRefs includes 2 or more references to the same target"));
                break;
            }

            if (sameTarget.Count(t => Str(t["sectionName"]) == Str(targets[i]["sectionName"])) > 1)
            {
                errors.Add(("spec.targetRefs", "Invalid value: \"array\": sectionName must be unique when targetRefs includes 2 or more references to the same target"));
                break;
            }
        }

        if (spec["validation"] is not JsonObject validation)
        {
            return;
        }

        var sans = Items(validation["subjectAltNames"]);
        for (var i = 0; i < sans.Count; i++)
        {
            var path = $"spec.validation.subjectAltNames[{i}]";
            var type = Str(sans[i]["type"]);
            var hasHostname = !string.IsNullOrEmpty(Str(sans[i]["hostname"]));
            var hasUri = !string.IsNullOrEmpty(Str(sans[i]["uri"]));
            if (type == "Hostname" && !hasHostname)
            {
                errors.Add((path, "Invalid value: \"object\": SubjectAltName element must contain Hostname, if Type is set to Hostname"));
            }

            if (type != "Hostname" && hasHostname)
            {
                errors.Add((path, "Invalid value: \"object\": SubjectAltName element must not contain Hostname, if Type is not set to Hostname"));
            }

            if (type == "URI" && !hasUri)
            {
                errors.Add((path, "Invalid value: \"object\": SubjectAltName element must contain URI, if Type is set to URI"));
            }

            if (type != "URI" && hasUri)
            {
                errors.Add((path, "Invalid value: \"object\": SubjectAltName element must not contain URI, if Type is not set to URI"));
            }
        }

        var hasRefs = Items(validation["caCertificateRefs"]).Count > 0;
        var hasWellKnown = !string.IsNullOrEmpty(Str(validation["wellKnownCACertificates"]));
        if (hasRefs && hasWellKnown)
        {
            errors.Add(("spec.validation", "Invalid value: \"object\": must not contain both CACertificateRefs and WellKnownCACertificates"));
        }

        if (!hasRefs && !hasWellKnown)
        {
            errors.Add(("spec.validation", "Invalid value: \"object\": must specify either CACertificateRefs or WellKnownCACertificates"));
        }
    }
}
